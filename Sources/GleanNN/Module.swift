import Foundation
import GleanTensor

/// A neural-network building block with named children, parameters and buffers.
///
/// Names compose into PyTorch's dotted keys (`layer1.0.conv1.weight`, `bn1.running_mean`),
/// so a torchvision state dict maps onto a Glean model by name. A subclass's children are found
/// by reflection: every stored property that holds a module (an optional one when it is set),
/// in declaration order, named as the property in snake case (`dropPath` → `drop_path`, as
/// PyTorch names it). Layers list the tensors they own in `ownParameters` and `ownBuffers`, and
/// every module computes in `forward(_:)`.
open class Module {
    /// Whether the module is in training mode (dropout active, batch norm using batch statistics).
    public private(set) var isTraining = true
    /// The fused form `inference(_:)` built last.
    var inferenceCache: InferenceCache?

    public init() {}

    /// Direct children with their names: the stored properties that hold modules, superclass
    /// first, each in declaration order (containers such as `Sequential` override this).
    open var children: [(String, Module)] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        return mirrors.reversed().flatMap { mirror in
            mirror.children.compactMap { child in
                guard let label = child.label, let module = child.value as? Module else { return nil }
                return (Self.stateName(label), module)
            }
        }
    }

    /// The state-dict name of a stored property: snake case (`dropPath` → `drop_path`).
    static func stateName(_ property: String) -> String {
        var name = ""
        for character in property {
            if character.isUppercase {
                name += "_" + character.lowercased()
            } else {
                name.append(character)
            }
        }
        return name
    }
    /// Parameters owned directly by this module (not by children).
    open var ownParameters: [(String, Parameter)] { [] }
    /// Buffers owned directly by this module.
    open var ownBuffers: [(String, Buffer)] { [] }

    /// Integer state owned directly by this module (e.g. batch norm's `num_batches_tracked`).
    open var ownCounters: [(String, Int64)] { [] }

    /// Sets an integer state entry listed in `ownCounters`; returns false for an unknown name.
    open func setCounter(_ name: String, to value: Int64) -> Bool { false }

    /// Computes the module's output.
    open func forward(_ input: Tensor) -> Tensor {
        fatalError("\(type(of: self)) must override forward(_:)")
    }

    /// Same as `forward(_:)`, and reports the output to `Module.observer` when one is set.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let output = forward(input)
        Module.observer?(self, output)
        return output
    }

    /// Sees every module's output on the current thread while set (used by `ModelSummary` to
    /// find output shapes); forward passes on other threads are not reported.
    public static var observer: ((Module, Tensor) -> Void)? {
        get { pthread_getspecific(observerKey).map { Unmanaged<ObserverBox>.fromOpaque($0).takeUnretainedValue().body } }
        set {
            if let old = pthread_getspecific(observerKey) { Unmanaged<ObserverBox>.fromOpaque(old).release() }
            pthread_setspecific(observerKey, newValue.map { Unmanaged.passRetained(ObserverBox($0)).toOpaque() })
        }
    }

    private final class ObserverBox {
        let body: (Module, Tensor) -> Void
        init(_ body: @escaping (Module, Tensor) -> Void) { self.body = body }
    }

    private static let observerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Switches this module and all descendants to training mode.
    public func train() { setTraining(true) }
    /// Switches this module and all descendants to evaluation mode.
    public func eval() { setTraining(false) }

    private func setTraining(_ training: Bool) {
        isTraining = training
        for (_, child) in children { child.setTraining(training) }
    }

    /// Every parameter with its dotted name, depth-first in registration order.
    public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
        ownParameters.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.namedParameters(prefix: prefix + $0.0 + ".") }
    }

    /// Every buffer with its dotted name.
    public func namedBuffers(prefix: String = "") -> [(String, Buffer)] {
        ownBuffers.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.namedBuffers(prefix: prefix + $0.0 + ".") }
    }

    /// Every integer state entry with its dotted name.
    public func namedCounters(prefix: String = "") -> [(String, Int64)] {
        ownCounters.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.namedCounters(prefix: prefix + $0.0 + ".") }
    }

    /// Every module below this one (itself included, named ""), depth-first.
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        [(prefix, self)] + children.flatMap { name, child in
            child.namedModules(prefix: prefix.isEmpty ? name : prefix + "." + name)
        }
    }

    /// All parameters.
    public var parameters: [Parameter] { namedParameters().map(\.1) }
    /// Parameters that currently receive gradients.
    public var trainableParameters: [Parameter] { parameters.filter(\.isTrainable) }

    /// Number of parameter elements (all, or only trainable ones).
    public func parameterCount(trainableOnly: Bool = false) -> Int {
        (trainableOnly ? trainableParameters : parameters).reduce(0) { $0 + $1.value.count }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// Freezes (or unfreezes) every parameter whose dotted name starts with `prefix`;
    /// returns how many tensors changed.
    @discardableResult
    public func setTrainable(_ trainable: Bool, namePrefix prefix: String) -> Int {
        let matching = namedParameters().filter { $0.0.hasPrefix(prefix) }
        matching.forEach { $0.1.isTrainable = trainable }
        return matching.count
    }

    /// Freezes the first `count` parameter tensors in registration order (as in
    /// `for p in list(model.parameters())[:count]: p.requires_grad = False`).
    public func freezeFirst(_ count: Int) {
        for parameter in parameters.prefix(count) { parameter.isTrainable = false }
    }
}
