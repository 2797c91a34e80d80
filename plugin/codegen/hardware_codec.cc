// hardware_codec.cc: the resolved ArchConfig as the stream's Hardware message and back.
#include "codegen/stream_io.h"

namespace soma::codegen {

stream::Hardware EncodeHardware(const arch::ArchConfig& config) {
  stream::Hardware hardware;
  hardware.set_name(config.name);
  hardware.set_clock_hz(config.clock_hz);
  hardware.set_pe_rows(config.pe_rows);
  hardware.set_pe_cols(config.pe_cols);
  hardware.set_vector_width(config.vector_width);
  hardware.set_lanes(config.lanes);
  hardware.set_vector_ops_per_cycle(config.vector_ops_per_cycle);
  hardware.set_buffer_bytes(config.buffer_bytes);
  hardware.set_buffer_alignment_bytes(config.buffer_alignment_bytes);
  hardware.set_buffer_bandwidth_bytes_per_cycle(config.buffer_bandwidth_bytes_per_cycle);
  hardware.set_dram_bandwidth_bytes_per_second(config.dram_bandwidth_bytes_per_second);
  hardware.set_dma_queues(config.dma_queues);
  hardware.set_activation_bytes(config.activation_bytes);
  hardware.set_weight_bytes(config.weight_bytes);
  hardware.set_mac_energy_pj(config.mac_energy_pj);
  hardware.set_vector_op_energy_pj(config.vector_op_energy_pj);
  hardware.set_buffer_read_energy_pj_per_byte(config.buffer_read_energy_pj_per_byte);
  hardware.set_buffer_write_energy_pj_per_byte(config.buffer_write_energy_pj_per_byte);
  hardware.set_dram_energy_pj_per_byte(config.dram_energy_pj_per_byte);
  return hardware;
}

arch::ArchConfig DecodeHardware(const stream::Hardware& hardware) {
  arch::ArchConfig config;
  config.name = hardware.name();
  config.clock_hz = hardware.clock_hz();
  config.pe_rows = hardware.pe_rows();
  config.pe_cols = hardware.pe_cols();
  config.vector_width = hardware.vector_width();
  config.lanes = hardware.lanes();
  config.vector_ops_per_cycle = hardware.vector_ops_per_cycle();
  config.buffer_bytes = hardware.buffer_bytes();
  config.buffer_alignment_bytes = hardware.buffer_alignment_bytes();
  config.buffer_bandwidth_bytes_per_cycle = hardware.buffer_bandwidth_bytes_per_cycle();
  config.dram_bandwidth_bytes_per_second = hardware.dram_bandwidth_bytes_per_second();
  config.dma_queues = hardware.dma_queues();
  config.activation_bytes = hardware.activation_bytes();
  config.weight_bytes = hardware.weight_bytes();
  config.mac_energy_pj = hardware.mac_energy_pj();
  config.vector_op_energy_pj = hardware.vector_op_energy_pj();
  config.buffer_read_energy_pj_per_byte = hardware.buffer_read_energy_pj_per_byte();
  config.buffer_write_energy_pj_per_byte = hardware.buffer_write_energy_pj_per_byte();
  config.dram_energy_pj_per_byte = hardware.dram_energy_pj_per_byte();
  return config;
}

}  // namespace soma::codegen
