// ort_reference.mjs: writes ONNX Runtime reference data for a model in the ONNX
// backend-test layout: input_K.pb (seeded uniform random inputs) and output_K.pb (the
// outputs of ONNX Runtime's CPU provider), TensorProto files with raw data.
//
//   node tools/ort/ort_reference.mjs --model models/residual_small.onnx --seed 1 \
//       --out models/residual_small.test_data_set_0 [--low -1] [--high 1] \
//       [--int-high 2] [--dim NAME=VALUE ...] [--value INPUT=V1,V2,... ...]
//
// Float inputs (float32, float16) are uniform in [low, high); integer and bool inputs
// (token ids, masks) are uniform integers in [0, int-high). --dim binds a symbolic
// dimension of the inputs, as npuc's --soma-dim does. --value gives an input fixed values
// in row-major order, for offsets, lengths and block tables that must agree with each
// other. The input still takes its draws from the generator, so the other inputs keep
// their values.
// Install the runtime first: npm install --ignore-scripts --prefix tools/ort onnxruntime-node
// Inputs are drawn from a 32-bit Mersenne Twister (std::mt19937) seeded with --seed: each
// value is low + (high - low) * (draw >> 8) / 2^24, inputs in model order, elements in
// row-major order, so the same seed always gives the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

// ---- Command line ----

function parseArguments(argv) {
  const options = { seed: 1, low: -1, high: 1, intHigh: 2, dims: {}, values: {} };
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
      case '--int-high': options.intHigh = Number.parseInt(value, 10); break;
      case '--dim': {
        const [name, extent] = value.split('=');
        const parsed = Number.parseInt(extent, 10);
        if (!name || !Number.isInteger(parsed) || parsed < 1) {
          throw new Error(`--dim takes NAME=VALUE with a positive VALUE, found '${value}'`);
        }
        options.dims[name] = parsed;
        break;
      }
      case '--value': {
        const separator = value.indexOf('=');
        const name = separator > 0 ? value.slice(0, separator) : '';
        const numbers = separator > 0 ? value.slice(separator + 1).split(',').map(Number) : [];
        if (!name || numbers.length === 0 || numbers.some((number) => !Number.isFinite(number))) {
          throw new Error(`--value takes INPUT=V1,V2,... with numbers, found '${value}'`);
        }
        options.values[name] = numbers;
        break;
      }
      default:
        throw new Error(`unknown flag ${flag}; expected --model, --out, --seed, --low, --high, ` +
                        '--int-high, --dim or --value');
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

// ONNX element types by onnxruntime-node type name.
const kDataTypes = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};

// `data` is ONNX Runtime's typed array; its bytes are the raw data in little-endian
// order on every platform Node.js runs on here.
function encodeTensor(name, type, dims, data) {
  const dataType = kDataTypes[type];
  if (dataType === undefined) throw new Error(`tensor '${name}' has unsupported type ${type}`);
  const parts = [];
  for (const extent of dims) parts.push(varint((1 << 3) | 0), varint(extent));
  parts.push(varint((2 << 3) | 0), varint(dataType));
  parts.push(lengthDelimited(8, Buffer.from(name, 'utf8')));
  parts.push(lengthDelimited(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  return Buffer.concat(parts);
}

// IEEE half-precision bits of `value`, rounded to nearest even.
function floatToHalfBits(value) {
  const floatView = new Float32Array(1);
  const bitsView = new Uint32Array(floatView.buffer);
  floatView[0] = value;
  const bits = bitsView[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1))) half += 1;
    return sign | half;
  }
  if (exponent >= 31) return sign | 0x7c00;
  let half = (exponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1))) half += 1;
  return sign | half;
}

// Seeded values of one input of `type` with `count` elements.
function randomValues(type, count, random, options) {
  const unit = () => options.low + (options.high - options.low) * random.nextUnit();
  const integer = () => Math.floor(random.nextUnit() * options.intHigh);
  switch (type) {
    case 'float32': return Float32Array.from({ length: count }, unit);
    case 'float64': return Float64Array.from({ length: count }, unit);
    case 'float16': return Uint16Array.from({ length: count }, () => floatToHalfBits(unit()));
    case 'int64': return BigInt64Array.from({ length: count }, () => BigInt(integer()));
    case 'int32': return Int32Array.from({ length: count }, integer);
    case 'int8': return Int8Array.from({ length: count }, integer);
    case 'uint8': return Uint8Array.from({ length: count }, integer);
    case 'bool': return Uint8Array.from({ length: count }, () => (integer() > 0 ? 1 : 0));
    default: return null;
  }
}

// The typed array of `type` holding `numbers`.
function fixedValues(type, numbers) {
  switch (type) {
    case 'float32': return Float32Array.from(numbers);
    case 'float64': return Float64Array.from(numbers);
    case 'float16': return Uint16Array.from(numbers, floatToHalfBits);
    case 'int64': return BigInt64Array.from(numbers, (number) => BigInt(Math.trunc(number)));
    case 'int32': return Int32Array.from(numbers);
    case 'int8': return Int8Array.from(numbers);
    case 'uint8': return Uint8Array.from(numbers);
    case 'bool': return Uint8Array.from(numbers, (number) => (number !== 0 ? 1 : 0));
    default: throw new Error(`--value does not support inputs of type ${type}`);
  }
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
  // Graph optimisations off: ONNX Runtime then runs each node as the specification defines it
  // (a fused QDQ convolution in integer arithmetic rounds differently from the QDQ graph).
  const session = await ort.InferenceSession.create(options.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
  });
  const random = new Mt19937(options.seed);
  fs.mkdirSync(options.out, { recursive: true });

  const feeds = {};
  session.inputMetadata.forEach((input, inputIndex) => {
    if (!input.isTensor) throw new Error(`input '${input.name}' is not a tensor`);
    const dims = input.shape.map((extent) =>
      (typeof extent === 'string' && options.dims[extent] !== undefined ? options.dims[extent] : extent));
    if (dims.some((extent) => typeof extent !== 'number' || extent < 0)) {
      throw new Error(`input '${input.name}' has symbolic shape [${input.shape}]; bind its ` +
                      'dimensions with --dim NAME=VALUE');
    }
    const count = dims.reduce((product, extent) => product * extent, 1);
    let values = randomValues(input.type, count, random, options);
    if (values === null) {
      throw new Error(`input '${input.name}' has type ${input.type}; supported: ` +
                      Object.keys(kDataTypes).join(', '));
    }
    const fixed = options.values[input.name];
    if (fixed !== undefined) {
      if (fixed.length !== count) {
        throw new Error(`--value ${input.name} gives ${fixed.length} values, but the input ` +
                        `has ${count} elements (dims [${dims}])`);
      }
      values = fixedValues(input.type, fixed);
    }
    feeds[input.name] = new ort.Tensor(input.type, values, dims);
    writeFileAtomically(path.join(options.out, `input_${inputIndex}.pb`),
                        encodeTensor(input.name, input.type, dims, values));
  });

  const results = await session.run(feeds);
  session.outputNames.forEach((name, outputIndex) => {
    const tensor = results[name];
    writeFileAtomically(path.join(options.out, `output_${outputIndex}.pb`),
                        encodeTensor(name, tensor.type, tensor.dims, tensor.data));
  });
}

main().catch((error) => {
  console.error(`ort_reference: ${error.message}`);
  process.exit(2);
});
