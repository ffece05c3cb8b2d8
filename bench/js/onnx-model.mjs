// Builds the bytes of a one-node ONNX model — BatchNormalization, opset 15 — with a minimal
// protobuf writer, so the ORT benchmark needs no model file and no network. Field numbers are
// those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto).

const VARINT = 0,
  LENGTH = 2,
  FIXED32 = 5;

class Writer {
  bytes = [];
  varint(v) {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      this.bytes.push(b);
    } while (n);
    return this;
  }
  tag(field, wire) {
    return this.varint((field << 3) | wire);
  }
  int(field, v) {
    return this.tag(field, VARINT).varint(v);
  }
  float(field, v) {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.tag(field, FIXED32).bytes.push(...b);
    return this;
  }
  bytesField(field, data) {
    this.tag(field, LENGTH)
      .varint(data.length)
      .bytes.push(...data);
    return this;
  }
  string(field, s) {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const w = new Writer();
    build(w);
    return this.bytesField(field, w.bytes);
  }
}

const FLOAT_TENSOR = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1,
  ATTR_INT = 2; // AttributeProto.AttributeType

function valueInfo(w, field, name, dims) {
  w.message(field, (v) => {
    v.string(1, name); // ValueInfoProto.name
    v.message(2, (t) =>
      // .type: TypeProto
      t.message(1, (tt) => {
        // .tensor_type
        tt.int(1, FLOAT_TENSOR); // .elem_type
        tt.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
        });
      }),
    );
  });
}

// BatchNormalization(X, scale, B, input_mean, input_var) → Y [, running_mean, running_var].
export function batchNormModel(dims, { training, eps = 1e-5, momentum = 0.9 }) {
  const c = dims[1];
  const outputs = training ? ['Y', 'running_mean', 'running_var'] : ['Y'];
  const w = new Writer();
  w.int(1, 8); // ModelProto.ir_version
  w.string(2, 'simdnorm-bench'); // producer_name
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, 15);
  }); // opset_import: ai.onnx 15
  w.message(7, (g) => {
    // graph
    g.message(1, (n) => {
      // node
      for (const i of ['X', 'scale', 'B', 'input_mean', 'input_var']) n.string(1, i);
      for (const o of outputs) n.string(2, o);
      n.string(3, 'bn');
      n.string(4, 'BatchNormalization');
      n.message(5, (a) => {
        a.string(1, 'epsilon');
        a.float(2, eps);
        a.int(20, ATTR_FLOAT);
      });
      // ONNX momentum weighs the old value: running = momentum·running + (1 − momentum)·batch.
      n.message(5, (a) => {
        a.string(1, 'momentum');
        a.float(2, momentum);
        a.int(20, ATTR_FLOAT);
      });
      n.message(5, (a) => {
        a.string(1, 'training_mode');
        a.int(3, training ? 1 : 0);
        a.int(20, ATTR_INT);
      });
    });
    g.string(2, 'batchnorm');
    valueInfo(g, 11, 'X', dims);
    for (const name of ['scale', 'B', 'input_mean', 'input_var']) valueInfo(g, 11, name, [c]);
    valueInfo(g, 12, 'Y', dims);
    if (training) for (const name of ['running_mean', 'running_var']) valueInfo(g, 12, name, [c]);
  });
  return new Uint8Array(w.bytes);
}
