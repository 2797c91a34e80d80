// ort_reference.mjs: writes ONNX Runtime reference data for a model in the ONNX
// backend-test layout: input_K.pb (seeded uniform random inputs) and output_K.pb (the
// outputs of ONNX Runtime's CPU provider), both float TensorProto files with raw data.
//
//   node tools/ort/ort_reference.mjs --model models/residual_small.onnx --seed 1 \
//       --out models/residual_small.test_data_set_0 [--low -1] [--high 1]
//
// Install the runtime first: npm install --ignore-scripts --prefix tools/ort onnxruntime-node
// Inputs are drawn from a 32-bit Mersenne Twister (std::mt19937) seeded with --seed: each
// value is low + (high - low) * (draw >> 8) / 2^24, inputs in model order, elements in
// row-major order, so the same seed always gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

// ---- Command line ----

function parseArguments(argv) {
  const options = { seed: 1, low: -1, high: 1 };
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (value === undefined) throw new Error(`flag ${flag} needs a value`);
    switch (flag) {
      case '--model': options.model = value; break;
      case '--out': options.out = value; break;
      case '--seed': options.seed = Number.parseInt(value, 10); break;
      case '--low': options.low = Number.parseFloat(value); break;
      case '--high': options.high = Number.parseFloat(value); break;
      default: throw new Error(`unknown flag ${flag}; expected --model, --out, --seed, --low or --high`);
    }
  }
  if (!options.model || !options.out) throw new Error('--model and --out are required');
  if (!Number.isInteger(options.seed) || options.seed < 0) {
    throw new Error(`--seed must be a non-negative integer, found ${options.seed}`);
  }
  return options;
}

// ---- std::mt19937 ----

class Mt19937 {
  constructor(seed) {
    this.state = new Uint32Array(624);
    this.index = 624;
    this.state[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const previous = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      // 1812433253 * previous + i, modulo 2^32, without losing precision.
      this.state[i] = (((((previous & 0xffff0000) >>> 16) * 1812433253) << 16) +
                       (previous & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  next() {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  twist() {
    for (let i = 0; i < 624; i++) {
      const y = (this.state[i] & 0x80000000) | (this.state[(i + 1) % 624] & 0x7fffffff);
      let value = this.state[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) value ^= 0x9908b0df;
      this.state[i] = value >>> 0;
    }
    this.index = 0;
  }

  // One value in [0, 1) from the top 24 bits of one draw, as the C++ WeightGenerator does.
  nextUnit() {
    return (this.next() >>> 8) / 16777216;
  }
}

// ---- TensorProto encoding (dims = 1, data_type = 2, name = 8, raw_data = 9) ----

function varint(value) {
  const bytes = [];
  let remaining = BigInt(value);
  do {
    let byte = Number(remaining & 0x7fn);
    remaining >>= 7n;
    if (remaining !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (remaining !== 0n);
  return Buffer.from(bytes);
}

function lengthDelimited(fieldNumber, payload) {
  return Buffer.concat([varint((fieldNumber << 3) | 2), varint(payload.length), payload]);
}

const kFloatDataType = 1;

function encodeFloatTensor(name, dims, values) {
  const parts = [];
  for (const extent of dims) parts.push(varint((1 << 3) | 0), varint(extent));
  parts.push(varint((2 << 3) | 0), varint(kFloatDataType));
  parts.push(lengthDelimited(8, Buffer.from(name, 'utf8')));
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => raw.writeFloatLE(value, index * 4));
  parts.push(lengthDelimited(9, raw));
  return Buffer.concat(parts);
}

// Writes to a temporary name and renames, so a failed run leaves no partial file.
function writeFileAtomically(file, bytes) {
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, bytes);
  fs.renameSync(temporary, file);
}

// ---- Main ----

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const session = await ort.InferenceSession.create(options.model, { executionProviders: ['cpu'] });
  const random = new Mt19937(options.seed);
  fs.mkdirSync(options.out, { recursive: true });

  const feeds = {};
  session.inputMetadata.forEach((input, inputIndex) => {
    if (!input.isTensor || input.type !== 'float32') {
      throw new Error(`input '${input.name}' is not a float tensor; only float inputs are supported`);
    }
    const dims = input.shape;
    if (dims.some((extent) => typeof extent !== 'number' || extent < 0)) {
      throw new Error(`input '${input.name}' has symbolic shape [${dims}]; fix its dimensions in the model`);
    }
    const count = dims.reduce((product, extent) => product * extent, 1);
    const values = new Float32Array(count);
    for (let index = 0; index < count; index++) {
      values[index] = options.low + (options.high - options.low) * random.nextUnit();
    }
    feeds[input.name] = new ort.Tensor('float32', values, dims);
    writeFileAtomically(path.join(options.out, `input_${inputIndex}.pb`),
                        encodeFloatTensor(input.name, dims, values));
  });

  const results = await session.run(feeds);
  session.outputNames.forEach((name, outputIndex) => {
    const tensor = results[name];
    if (tensor.type !== 'float32') {
      throw new Error(`output '${name}' has type ${tensor.type}; only float outputs are supported`);
    }
    writeFileAtomically(path.join(options.out, `output_${outputIndex}.pb`),
                        encodeFloatTensor(name, tensor.dims, Array.from(tensor.data)));
  });
}

main().catch((error) => {
  console.error(`ort_reference: ${error.message}`);
  process.exit(2);
});
