import Foundation

/// Where gradients are recorded: off inside `withoutGradients { }`. The switch is per
/// thread, so a data-loading or evaluation thread never changes what the training thread records.
public enum GradMode {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// How many `withoutGradients` scopes enclose the current thread's code.
    static var depthDisabled: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Whether ops record their pullbacks right now on this thread.
    public static var isEnabled: Bool { depthDisabled == 0 }
}

/// Runs `body` without recording gradients (evaluation, inference, pseudo-labelling).
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    GradMode.depthDisabled += 1
    defer { GradMode.depthDisabled -= 1 }
    return try body()
}

/// A vertex of the autograd graph: either a leaf that accumulates `grad`, or the output of
/// an op with the pullback that maps its output gradient to its inputs' gradients.
final class AutogradNode {
    let op: String
    let shape: Shape
    var inputs: [AutogradNode?]
    var pullback: ((Tensor) -> [Tensor?])?
    var grad: Tensor?
    let isLeaf: Bool

    init(leafOf shape: Shape) {
        op = "leaf"
        self.shape = shape
        inputs = []
        isLeaf = true
    }

    init(op: String, shape: Shape, inputs: [AutogradNode?], pullback: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.shape = shape
        self.inputs = inputs
        self.pullback = pullback
        isLeaf = false
    }
}

extension Tensor {
    /// Wraps an op's output, recording `pullback` when gradients are on and any input needs one.
    /// The pullback returns one gradient per input, in order (nil where none is needed).
    static func recorded(_ op: String, shape: Shape, storage: TensorStorage, inputs: [Tensor],
                         pullback: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else {
            let result = Tensor(shape: shape, storage: storage)
            OpTrace.note(.other(op), inputs: inputs, output: result)
            return result
        }
        let node = AutogradNode(op: op, shape: shape, inputs: inputs.map(\.node), pullback: pullback)
        let result = Tensor(shape: shape, storage: storage, node: node)
        OpTrace.note(.other(op), inputs: inputs, output: result)
        return result
    }

    /// `value`, computed outside Glean's ops from `inputs` (e.g. by a collective across
    /// processes), as an op of the autograd graph named `name`: `pullback` maps the gradient of
    /// `value` to one gradient per input (nil where none is needed).
    public static func customOp(_ name: String, value: Tensor, inputs: [Tensor], pullback: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        recorded(name, shape: value.shape, storage: value.contiguous().storage, inputs: inputs, pullback: pullback)
    }

    /// Back-propagates from this scalar (or from `seed`, a gradient of this tensor's shape) and
    /// adds the gradients to every leaf that requires one. The graph is freed afterwards.
    /// `leafDone`, if given, is called with a leaf's `gradientIdentity` as soon as that leaf's
    /// gradient of this pass is complete (every path to it is through), while the rest of the
    /// pass still runs: data-parallel training starts averaging those gradients there.
    public func backward(_ seed: Tensor? = nil, leafDone: ((ObjectIdentifier) -> Void)? = nil) {
        guard let root = node else {
            fatalError("backward: tensor of shape \(shape) does not require gradients")
        }
        if seed == nil {
            require(count == 1, "backward: needs a scalar or an explicit seed, got shape \(shape)")
        }
        let start = seed ?? Tensor.full(1, shape: shape)
        require(start.shape == shape, "backward: seed shape \(start.shape) differs from tensor shape \(shape)")
        let order = Self.topologicalOrder(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): start.detached()]
        withoutGradients {
            for vertex in order.reversed() {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(vertex)) else { continue }
                if vertex.isLeaf {
                    vertex.grad = vertex.grad.map { $0.addingGradient(gradient) } ?? gradient.contiguous()
                    leafDone?(ObjectIdentifier(vertex))
                    continue
                }
                guard let pullback = vertex.pullback else {
                    fatalError("backward: the graph through \(vertex.op) was already freed by an earlier backward()")
                }
                let inputGradients = pullback(gradient)
                for (input, inputGradient) in zip(vertex.inputs, inputGradients) {
                    guard let input, let inputGradient else { continue }
                    require(inputGradient.shape == input.shape,
                                 "backward: \(vertex.op) produced a gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0.addingGradient(inputGradient) } ?? inputGradient
                }
                vertex.pullback = nil
                vertex.inputs = []
            }
        }
    }

    /// Sum of two gradients of the same shape, in whichever layout is cheaper.
    func addingGradient(_ other: Tensor) -> Tensor {
        ElementwiseKernels.combine(self, other, op: "gradient accumulation", zeroPreserving: true, Add())
    }

    private static func topologicalOrder(from root: AutogradNode) -> [AutogradNode] {
        var order: [AutogradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(AutogradNode, Bool)] = [(root, false)]
        while let (vertex, expanded) = stack.popLast() {
            if expanded {
                order.append(vertex)
                continue
            }
            guard visited.insert(ObjectIdentifier(vertex)).inserted else { continue }
            stack.append((vertex, true))
            // Leaves go under the other inputs, so that each comes right before its consumer in
            // this order and is reached right after it in backward: its gradient completes early.
            let inputs = vertex.inputs.compactMap { $0 }.filter { !visited.contains(ObjectIdentifier($0)) }
            for input in inputs.filter(\.isLeaf) + inputs.filter({ !$0.isLeaf }) { stack.append((input, false)) }
        }
        return order
    }
}
