import Models
import RLAlgorithms
import Tensor
import Verification

/// The per-layer forms of Specs/Model.md (Model-1 … Model-15): each reads its inputs, checks shapes
/// (typed errors, never a trap), runs the Models layer's forward and, with cotangents, its backward.
struct LayerForm<T: Scalar> {
    var inputs: GoldenInputs
    var cotangents: [String: Tensor<T>]?
    var context = ForwardContext.evaluation

    init(inputs: GoldenInputs, cotangents: [String: Tensor<T>]?) {
        self.inputs = inputs
        self.cotangents = cotangents
    }

    func matrix(_ key: String, rows: Int? = nil, columns: Int? = nil) throws -> Tensor<T> {
        let t: Tensor<T> = try inputs.tensor(key)
        guard t.rank == 2, rows.map({ $0 == t.shape[0] }) ?? true, columns.map({ $0 == t.shape[1] }) ?? true else {
            throw InputError.shapeMismatch(argument: key, expected: [rows ?? -1, columns ?? -1], actual: t.shape)
        }
        try requireFinite(t, key)
        return t
    }

    func vector(_ key: String, count: Int) throws -> Tensor<T> {
        let t: Tensor<T> = try inputs.tensor(key)
        try requireShape(t, [count], key)
        try requireFinite(t, key)
        return t
    }

    func optionalVector(_ key: String, count: Int) throws -> Tensor<T>? {
        inputs.contains(key) ? try vector(key, count: count) : nil
    }

    /// The cotangent of output `name` (shape `shape`), or nil without cotangents.
    func cotangent(_ name: String, shape: [Int]) throws -> Tensor<T>? {
        guard let cotangents else { return nil }
        guard let c = cotangents[name] else { return Tensor(shape: shape) }
        guard c.shape == shape else { throw InputError.shapeMismatch(argument: "cotangents.\(name)", expected: shape, actual: c.shape) }
        return c
    }

    func function(default value: Activation) throws -> Activation {
        guard let name = try inputs.string("function") else { return value }
        guard let f = Activation(rawValue: name) else {
            throw InputError.invalidArgument(argument: "function", reason: "unknown activation \"\(name)\"")
        }
        return f
    }

    func integers(_ key: String, shape: [Int]) throws -> [Int] {
        let t: Tensor<Double> = try inputs.tensor(key)
        try requireShape(t, shape, key)
        return try t.elements.enumerated().map { i, x in
            guard x == x.rounded(), abs(x) < 1e15 else {
                throw InputError.invalidArgument(argument: key, reason: "element \(i) is not an integer")
            }
            return Int(x)
        }
    }

    func positiveInteger(_ key: String) throws -> Int {
        guard let n = try inputs.integer(key) else { throw InputError.missingInput(argument: key) }
        guard n > 0 else { throw InputError.outOfRange(argument: key, value: Double(n), range: "[1, ∞)") }
        return n
    }

    func epsilon() throws -> T {
        guard let e = try inputs.number("eps") else { throw InputError.missingInput(argument: "eps") }
        guard e.isFinite, e >= 0 else { throw InputError.outOfRange(argument: "eps", value: e, range: "[0, ∞)") }
        return T(e)
    }

    static func gradient(_ p: Parameter<T>) -> Tensor<Double> { p.gradient.converted(to: Double.self) }

    // MARK: forms

    /// Model-1, Model-2: x [N, in], weight [out, in], bias [out], lora_a [r, in], lora_b [out, r], scaling.
    func linear(lora: Bool) throws -> LayerResult<T> {
        let x = try matrix("x")
        let w = try matrix("weight", columns: x.shape[1])
        var layer = Linear(weight: w, bias: try optionalVector("bias", count: w.shape[0]))
        if lora {
            let a = try matrix("lora_a", columns: x.shape[1])
            let b = try matrix("lora_b", rows: w.shape[0], columns: a.shape[0])
            guard let s = try inputs.number("scaling") else { throw InputError.missingInput(argument: "scaling") }
            layer.lora = LoRAAdapter(a: a, b: b, scaling: T(s))
        }
        layer.weight.setTrainable(true)
        layer.bias?.setTrainable(true)
        var context = self.context
        let (y, cache) = layer.forward(x, context: &context)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = layer.backward(dy, cache: cache)!.converted(to: Double.self)
        result.gradients["weight"] = Self.gradient(layer.weight)
        if let bias = layer.bias { result.gradients["bias"] = Self.gradient(bias) }
        if let adapter = layer.lora {
            result.gradients["lora_a"] = Self.gradient(adapter.a)
            result.gradients["lora_b"] = Self.gradient(adapter.b)
        }
        return result
    }

    /// Model-3: ids [B, T] in [0, V), weight [V, D] → y [B, T, D].
    func embedding() throws -> LayerResult<T> {
        let w = try matrix("weight")
        let idsTensor: Tensor<Double> = try inputs.tensor("ids")
        guard idsTensor.rank == 2 else { throw InputError.shapeMismatch(argument: "ids", expected: [-1, -1], actual: idsTensor.shape) }
        let ids = try integers("ids", shape: idsTensor.shape)
        if let bad = ids.first(where: { !(0..<w.shape[0]).contains($0) }) {
            throw InputError.outOfRange(argument: "ids", value: Double(bad), range: "[0, \(w.shape[0]))")
        }
        var layer = Embedding(weight: w)
        layer.weight.setTrainable(true)
        let y = layer.forward(ids).reshaped(idsTensor.shape + [w.shape[1]])
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        layer.backward(dy.reshaped([ids.count, w.shape[1]]), ids: ids)
        result.gradients["weight"] = Self.gradient(layer.weight)
        return result
    }

    /// Model-4: x [N, D], weight [D], eps.
    func rmsNorm() throws -> LayerResult<T> {
        let x = try matrix("x")
        var layer = RMSNorm(weight: try vector("weight", count: x.shape[1]), epsilon: try epsilon())
        layer.weight.setTrainable(true)
        let (y, cache) = layer.forward(x)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = layer.backward(dy, cache: cache).converted(to: Double.self)
        result.gradients["weight"] = Self.gradient(layer.weight)
        return result
    }

    /// Model-5: x [N, D], weight [D], bias [D], eps.
    func layerNorm() throws -> LayerResult<T> {
        let x = try matrix("x")
        var layer = LayerNorm(weight: try vector("weight", count: x.shape[1]), bias: try vector("bias", count: x.shape[1]),
                              epsilon: try epsilon())
        layer.weight.setTrainable(true)
        layer.bias.setTrainable(true)
        let (y, cache) = layer.forward(x)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = layer.backward(dy, cache: cache).converted(to: Double.self)
        result.gradients["weight"] = Self.gradient(layer.weight)
        result.gradients["bias"] = Self.gradient(layer.bias)
        return result
    }

    /// Model-6: x [B, H, T, d] (d even), positions [B, T], theta.
    func rotary() throws -> LayerResult<T> {
        let x = try headTensor("x")
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard d % 2 == 0 else { throw InputError.shapeMismatch(argument: "x", expected: [b, h, t, d + 1], actual: x.shape) }
        let positions = try integers("positions", shape: [b, t])
        guard let theta = try inputs.number("theta"), theta > 0, theta.isFinite else {
            throw InputError.outOfRange(argument: "theta", value: try inputs.number("theta") ?? .nan, range: "(0, ∞)")
        }
        let rope = RotaryEmbedding(theta: theta, headDimension: d)
        let (cos, sin) = rope.tables(positions: positions, as: T.self)
        var rows = Self.rows(x)
        rope.apply(&rows, cos: cos, sin: sin)
        let y = Self.heads(rows, batch: b, heads: h, length: t, dimension: d)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        var g = Self.rows(dy)
        rope.backward(&g, cos: cos, sin: sin)
        result.gradients["x"] = Self.heads(g, batch: b, heads: h, length: t, dimension: d).converted(to: Double.self)
        return result
    }

    /// Model-7: q [B, Hq, T, d], k and v [B, Hkv, T, d], attention_mask [B, T], causal.
    func attention() throws -> LayerResult<T> {
        let q = try headTensor("q"), k = try headTensor("k"), v = try headTensor("v")
        let (b, hq, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let hkv = k.shape[1]
        guard k.shape == [b, hkv, t, d], hq % hkv == 0 else {
            throw InputError.shapeMismatch(argument: "k", expected: [b, -1, t, d], actual: k.shape)
        }
        try requireShape(v, k.shape, "v")
        let mask = try integers("attention_mask", shape: [b, t]).map { $0 != 0 }
        let causal = try inputs.bool("causal") ?? false
        let shape = AttentionShape(batch: b, length: t, heads: hq, keyValueHeads: hkv, headDimension: d)
        let (qr, kr, vr) = (Self.rows(q), Self.rows(k), Self.rows(v))
        let (o, p) = attentionForward(query: qr, key: kr, value: vr, shape: shape, keyMask: mask, causal: causal)
        let out = Self.heads(o, batch: b, heads: hq, length: t, dimension: d)
        var result = LayerResult(outputs: ["out": out])
        guard let dOut = try cotangent("out", shape: out.shape) else { return result }
        let g = attentionBackward(outputGradient: Self.rows(dOut), query: qr, key: kr, value: vr, probabilities: p, shape: shape)
        result.gradients["q"] = Self.heads(g.query, batch: b, heads: hq, length: t, dimension: d).converted(to: Double.self)
        result.gradients["k"] = Self.heads(g.key, batch: b, heads: hkv, length: t, dimension: d).converted(to: Double.self)
        result.gradients["v"] = Self.heads(g.value, batch: b, heads: hkv, length: t, dimension: d).converted(to: Double.self)
        return result
    }

    /// Model-8: x (any shape), function.
    func activation() throws -> LayerResult<T> {
        let f = try function(default: .gelu)
        let x: Tensor<T> = try inputs.tensor("x")
        try requireFinite(x, "x")
        let y = f.apply(x)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = f.backward(dy, input: x).converted(to: Double.self)
        return result
    }

    /// Model-9: x [N, D], gate_weight and up_weight [I, D], down_weight [D, I].
    func swiGLU() throws -> LayerResult<T> {
        let x = try matrix("x")
        let gate = try matrix("gate_weight", columns: x.shape[1])
        let up = try matrix("up_weight", rows: gate.shape[0], columns: x.shape[1])
        let down = try matrix("down_weight", rows: x.shape[1], columns: gate.shape[0])
        var mlp = SwiGLU(gate: Linear(weight: gate), up: Linear(weight: up), down: Linear(weight: down))
        for path in [\SwiGLU<T>.gate, \.up, \.down] { mlp[keyPath: path].weight.setTrainable(true) }
        var context = self.context
        let (y, cache) = mlp.forward(x, context: &context)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = mlp.backward(dy, cache: cache).converted(to: Double.self)
        result.gradients["gate_weight"] = Self.gradient(mlp.gate.weight)
        result.gradients["up_weight"] = Self.gradient(mlp.up.weight)
        result.gradients["down_weight"] = Self.gradient(mlp.down.weight)
        return result
    }

    /// Model-10, Model-14: x [N, D_in], <first>_weight [H, D_in], <first>_bias [H],
    /// <second>_weight [D_out, H], <second>_bias [D_out], function.
    func perceptron(prefixes: (String, String), defaultFunction: Activation) throws -> LayerResult<T> {
        let x = try matrix("x")
        let (p1, p2) = prefixes
        let w1 = try matrix("\(p1)_weight", columns: x.shape[1])
        let w2 = try matrix("\(p2)_weight", columns: w1.shape[0])
        var mlp = TwoLayerPerceptron(first: Linear(weight: w1, bias: try optionalVector("\(p1)_bias", count: w1.shape[0])),
                                     second: Linear(weight: w2, bias: try optionalVector("\(p2)_bias", count: w2.shape[0])),
                                     activation: try function(default: defaultFunction))
        for path in [\TwoLayerPerceptron<T>.first, \.second] {
            mlp[keyPath: path].weight.setTrainable(true)
            mlp[keyPath: path].bias?.setTrainable(true)
        }
        var context = self.context
        let (y, cache) = mlp.forward(x, context: &context)
        var result = LayerResult(outputs: ["y": y])
        guard let dy = try cotangent("y", shape: y.shape) else { return result }
        result.gradients["x"] = mlp.backward(dy, cache: cache)!.converted(to: Double.self)
        for (prefix, linear) in [(p1, mlp.first), (p2, mlp.second)] {
            result.gradients["\(prefix)_weight"] = Self.gradient(linear.weight)
            if let bias = linear.bias { result.gradients["\(prefix)_bias"] = Self.gradient(bias) }
        }
        return result
    }

    /// Model-11: pixel_values [I, C, S, S], patch_weight [D, C, p, p], class_embedding [D],
    /// position_embedding [P+1, D] (S is the p·√P the position table implies).
    func patchEmbedding() throws -> LayerResult<T> {
        let w: Tensor<T> = try inputs.tensor("patch_weight")
        guard w.rank == 4, w.shape[2] == w.shape[3], w.shape[2] > 0 else {
            throw InputError.shapeMismatch(argument: "patch_weight", expected: [-1, -1, -1, -1], actual: w.shape)
        }
        let (d, c, p) = (w.shape[0], w.shape[1], w.shape[2])
        let positions = try matrix("position_embedding", columns: d)
        let grid = Int(Double(positions.shape[0] - 1).squareRoot().rounded())
        guard grid * grid == positions.shape[0] - 1, grid > 0 else {
            throw InputError.shapeMismatch(argument: "position_embedding", expected: [grid * grid + 1, d], actual: positions.shape)
        }
        let pixels: Tensor<T> = try inputs.tensor("pixel_values")
        guard pixels.rank == 4, Array(pixels.shape.dropFirst()) == [c, grid * p, grid * p] else {
            throw InputError.shapeMismatch(argument: "pixel_values", expected: [-1, c, grid * p, grid * p], actual: pixels.shape)
        }
        try requireFinite(pixels, "pixel_values")
        var layer = PatchEmbedding(patchWeight: w, classEmbedding: try vector("class_embedding", count: d),
                                   positionEmbedding: positions, imageSize: grid * p)
        layer.patchWeight.setTrainable(true)
        layer.classEmbedding.setTrainable(true)
        layer.positionEmbedding.setTrainable(true)
        let (y, cache) = layer.forward(pixels)
        let out = y.reshaped([pixels.shape[0], grid * grid + 1, d])
        var result = LayerResult(outputs: ["y": out])
        guard let dy = try cotangent("y", shape: out.shape) else { return result }
        result.gradients["pixel_values"] = layer.backward(dy.reshaped(y.shape), cache: cache, needsPixelGradient: true)!
            .converted(to: Double.self)
        result.gradients["patch_weight"] = Self.gradient(layer.patchWeight)
        result.gradients["class_embedding"] = Self.gradient(layer.classEmbedding)
        result.gradients["position_embedding"] = Self.gradient(layer.positionEmbedding)
        return result
    }

    /// Model-12: x [B, S, D], heads, eps, function and the layer's 16 weights.
    func encoderLayer() throws -> LayerResult<T> {
        let x3 = try sequence("x")
        let (b, s, d) = (x3.shape[0], x3.shape[1], x3.shape[2])
        let heads = try positiveInteger("heads")
        guard d % heads == 0 else { throw InputError.shapeMismatch(argument: "x", expected: [b, s, heads * (d / heads + 1)], actual: x3.shape) }
        let eps = try epsilon()
        func linear(_ name: String, _ out: Int, _ input: Int) throws -> Linear<T> {
            Linear(weight: try matrix("\(name)_weight", rows: out, columns: input), bias: try vector("\(name)_bias", count: out))
        }
        func norm(_ name: String) throws -> LayerNorm<T> {
            LayerNorm(weight: try vector("\(name)_weight", count: d), bias: try vector("\(name)_bias", count: d), epsilon: eps)
        }
        let fc1 = try matrix("fc1_weight", columns: d)
        var layer = EncoderLayer(
            layerNorm1: try norm("layer_norm1"),
            attention: SelfAttention(query: try linear("q_proj", d, d), key: try linear("k_proj", d, d), value: try linear("v_proj", d, d),
                                     output: try linear("out_proj", d, d), heads: heads, keyValueHeads: heads, rotary: nil, isCausal: false),
            layerNorm2: try norm("layer_norm2"),
            mlp: TwoLayerPerceptron(first: try linear("fc1", fc1.shape[0], d), second: try linear("fc2", d, fc1.shape[0]),
                                    activation: try function(default: .quickGelu)))
        let batch = SelfAttention<T>.Batch(batch: b, length: s, keyMask: Array(repeating: true, count: b * s))
        return try run(&layer, parameters: Self.encoderParameterNames, input: x3, batch: batch)
    }

    static var encoderParameterNames: [(String, WritableKeyPath<EncoderLayer<T>, Parameter<T>>)] {
        [("layer_norm1_weight", \.layerNorm1.weight), ("layer_norm1_bias", \.layerNorm1.bias),
         ("q_proj_weight", \.attention.query.weight), ("q_proj_bias", \.attention.query.bias!),
         ("k_proj_weight", \.attention.key.weight), ("k_proj_bias", \.attention.key.bias!),
         ("v_proj_weight", \.attention.value.weight), ("v_proj_bias", \.attention.value.bias!),
         ("out_proj_weight", \.attention.output.weight), ("out_proj_bias", \.attention.output.bias!),
         ("layer_norm2_weight", \.layerNorm2.weight), ("layer_norm2_bias", \.layerNorm2.bias),
         ("fc1_weight", \.mlp.first.weight), ("fc1_bias", \.mlp.first.bias!),
         ("fc2_weight", \.mlp.second.weight), ("fc2_bias", \.mlp.second.bias!)]
    }

    /// Model-13: x [B, T, D], attention_mask [B, T], positions [B, T], heads, kv_heads, theta, eps and
    /// the layer's 9 weights.
    func decoderLayer() throws -> LayerResult<T> {
        let x3 = try sequence("x")
        let (b, t, d) = (x3.shape[0], x3.shape[1], x3.shape[2])
        let heads = try positiveInteger("heads"), kvHeads = try positiveInteger("kv_heads")
        guard d % heads == 0, heads % kvHeads == 0, (d / heads) % 2 == 0 else {
            throw InputError.shapeMismatch(argument: "x", expected: [b, t, -1], actual: x3.shape)
        }
        let hd = d / heads
        let mask = try integers("attention_mask", shape: [b, t]).map { $0 != 0 }
        let positions = try integers("positions", shape: [b, t])
        guard let theta = try inputs.number("theta"), theta > 0, theta.isFinite else {
            throw InputError.outOfRange(argument: "theta", value: try inputs.number("theta") ?? .nan, range: "(0, ∞)")
        }
        let eps = try epsilon()
        let gate = try matrix("gate_proj_weight", columns: d)
        let rope = RotaryEmbedding(theta: theta, headDimension: hd)
        func linear(_ name: String, _ out: Int, _ input: Int) throws -> Linear<T> {
            Linear(weight: try matrix("\(name)_weight", rows: out, columns: input))
        }
        var layer = DecoderLayer(
            inputNorm: RMSNorm(weight: try vector("input_layernorm_weight", count: d), epsilon: eps),
            attention: SelfAttention(query: try linear("q_proj", d, d), key: try linear("k_proj", kvHeads * hd, d),
                                     value: try linear("v_proj", kvHeads * hd, d), output: try linear("o_proj", d, d),
                                     heads: heads, keyValueHeads: kvHeads, rotary: rope, isCausal: true),
            postAttentionNorm: RMSNorm(weight: try vector("post_attention_layernorm_weight", count: d), epsilon: eps),
            mlp: SwiGLU(gate: Linear(weight: gate), up: try linear("up_proj", gate.shape[0], d), down: try linear("down_proj", d, gate.shape[0])))
        var batch = SelfAttention<T>.Batch(batch: b, length: t, keyMask: mask)
        batch.setRotaryTables(rope, positions: positions)
        return try run(&layer, parameters: Self.decoderParameterNames, input: x3, batch: batch)
    }

    /// Runs a layer on x [B, T, D] with every named parameter trainable: output `y`, and with cotangents
    /// the gradients of x and of every parameter.
    func run<L: SequenceLayer>(_ layer: inout L, parameters: [(String, WritableKeyPath<L, Parameter<T>>)], input x3: Tensor<T>,
                               batch: SelfAttention<T>.Batch) throws -> LayerResult<T> where L.Element == T {
        for (_, path) in parameters { layer[keyPath: path].setTrainable(true) }
        let rows = [x3.shape[0] * x3.shape[1], x3.shape[2]]
        var context = self.context
        let pool = TensorPool<T>()
        let (y, cache) = layer.forward(x3.reshaped(rows), batch: batch, context: &context, pool: pool)
        var result = LayerResult(outputs: ["y": y.reshaped(x3.shape)])
        guard let dy = try cotangent("y", shape: x3.shape) else { return result }
        result.gradients["x"] = layer.backward(dy.reshaped(rows), cache: cache, batch: batch, pool: pool).reshaped(x3.shape).converted(to: Double.self)
        for (name, path) in parameters { result.gradients[name] = Self.gradient(layer[keyPath: path]) }
        return result
    }

    static var decoderParameterNames: [(String, WritableKeyPath<DecoderLayer<T>, Parameter<T>>)] {
        [("input_layernorm_weight", \.inputNorm.weight), ("q_proj_weight", \.attention.query.weight),
         ("k_proj_weight", \.attention.key.weight), ("v_proj_weight", \.attention.value.weight),
         ("o_proj_weight", \.attention.output.weight), ("post_attention_layernorm_weight", \.postAttentionNorm.weight),
         ("gate_proj_weight", \.mlp.gate.weight), ("up_proj_weight", \.mlp.up.weight), ("down_proj_weight", \.mlp.down.weight)]
    }

    /// Model-15: hidden [N, D], value_head_{k}_weight / _bias for k = 0, 1, … (the last with one output), function.
    func valueHead() throws -> LayerResult<T> {
        let hidden = try matrix("hidden")
        var layers: [Linear<T>] = []
        var width = hidden.shape[1]
        while inputs.contains("value_head_\(layers.count)_weight") {
            let k = layers.count
            let w = try matrix("value_head_\(k)_weight", columns: width)
            layers.append(Linear(weight: w, bias: try vector("value_head_\(k)_bias", count: w.shape[0])))
            width = w.shape[0]
        }
        guard let last = layers.last else { throw InputError.missingInput(argument: "value_head_0_weight") }
        guard last.outputFeatures == 1 else {
            throw InputError.shapeMismatch(argument: "value_head_\(layers.count - 1)_weight", expected: [1, last.inputFeatures],
                                           actual: last.weight.value.shape)
        }
        var head = ValueHead(layers: layers, activation: try function(default: .relu))
        for k in head.layers.indices { head.layers[k].weight.setTrainable(true); head.layers[k].bias?.setTrainable(true) }
        var context = self.context
        let (values, cache) = head.forward(hidden, context: &context)
        var result = LayerResult(outputs: ["values": values])
        guard let dv = try cotangent("values", shape: values.shape) else { return result }
        result.gradients["hidden"] = head.backward(dv, cache: cache).converted(to: Double.self)
        for (k, layer) in head.layers.enumerated() {
            result.gradients["value_head_\(k)_weight"] = Self.gradient(layer.weight)
            result.gradients["value_head_\(k)_bias"] = Self.gradient(layer.bias!)
        }
        return result
    }

    // MARK: layouts

    /// A rank-4 [B, H, T, d] input with positive extents.
    func headTensor(_ key: String) throws -> Tensor<T> {
        let t: Tensor<T> = try inputs.tensor(key)
        guard t.rank == 4, t.shape.allSatisfy({ $0 > 0 }) else {
            throw InputError.shapeMismatch(argument: key, expected: [-1, -1, -1, -1], actual: t.shape)
        }
        try requireFinite(t, key)
        return t
    }

    /// A rank-3 [B, T, D] input with positive extents.
    func sequence(_ key: String) throws -> Tensor<T> {
        let t: Tensor<T> = try inputs.tensor(key)
        guard t.rank == 3, t.shape.allSatisfy({ $0 > 0 }) else {
            throw InputError.shapeMismatch(argument: key, expected: [-1, -1, -1], actual: t.shape)
        }
        try requireFinite(t, key)
        return t
    }

    /// [B, H, T, d] → [B·T, H·d] (the layout the Models layers use).
    static func rows(_ x: Tensor<T>) -> Tensor<T> {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = Tensor<T>(shape: [b * t, h * d])
        for i in 0..<b { for j in 0..<h { for k in 0..<t { for l in 0..<d {
            out.elements[(i * t + k) * h * d + j * d + l] = x.elements[((i * h + j) * t + k) * d + l]
        } } } }
        return out
    }

    /// [B·T, H·d] → [B, H, T, d].
    static func heads(_ x: Tensor<T>, batch b: Int, heads h: Int, length t: Int, dimension d: Int) -> Tensor<T> {
        var out = Tensor<T>(shape: [b, h, t, d])
        for i in 0..<b { for j in 0..<h { for k in 0..<t { for l in 0..<d {
            out.elements[((i * h + j) * t + k) * d + l] = x.elements[(i * t + k) * h * d + j * d + l]
        } } } }
        return out
    }
}
