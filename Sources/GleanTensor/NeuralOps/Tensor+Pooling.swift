
extension Tensor {
    /// Max pooling of `[N, C, H, W]` (PyTorch's floor mode; stride defaults to the kernel).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        pool2d("maxPool2d", .max, kernel: kernel, stride: stride ?? kernel, padding: padding)
    }

    /// Average pooling of `[N, C, H, W]`; `countIncludePad` matches PyTorch's default (true).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        pool2d("avgPool2d", countIncludePad ? .averageIncludingPadding : .averageExcludingPadding,
               kernel: kernel, stride: stride ?? kernel, padding: padding)
    }

    /// Adaptive average pooling to `outputSize`; `(1, 1)` is global average pooling.
    /// Each output cell averages PyTorch's window `[floor(i·H/out), ceil((i+1)·H/out))`.
    public func adaptiveAvgPool2d(_ outputSize: (Int, Int)) -> Tensor {
        require(rank == 4, "adaptiveAvgPool2d: input must be [N, C, H, W], got \(shape)")
        let (height, width) = (shape[2], shape[3])
        require(outputSize.0 > 0 && outputSize.1 > 0, "adaptiveAvgPool2d: output size \(outputSize) must be positive")
        if height % outputSize.0 == 0 && width % outputSize.1 == 0 {
            let kernel = (height / outputSize.0, width / outputSize.1)
            return avgPool2d(kernel: kernel, stride: kernel)
        }
        // Uneven windows: average each window as a mean of slices.
        var rows: [Tensor] = []
        for i in 0..<outputSize.0 {
            let top = i * height / outputSize.0, bottom = ((i + 1) * height + outputSize.0 - 1) / outputSize.0
            var cells: [Tensor] = []
            for j in 0..<outputSize.1 {
                let left = j * width / outputSize.1, right = ((j + 1) * width + outputSize.1 - 1) / outputSize.1
                cells.append(sliced(axis: 2, top ..< bottom).sliced(axis: 3, left ..< right).mean(axes: [2, 3], keepDims: true))
            }
            rows.append(Tensor.concat(cells, axis: 3))
        }
        return Tensor.concat(rows, axis: 2)
    }

    private func pool2d(_ name: String, _ function: PoolingFunction, kernel: (Int, Int), stride: (Int, Int),
                        padding: (Int, Int)) -> Tensor {
        require(rank == 4, "\(name): input must be [N, C, H, W], got \(shape)")
        require(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0,
                     "\(name): kernel \(kernel) and stride \(stride) must be positive")
        require(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "\(name): padding \(padding) must be at most half the kernel \(kernel)")
        let geometry = PoolingGeometry(input: shape, kernel: kernel, stride: stride, padding: padding, function: function)
        require(geometry.outputHeight > 0 && geometry.outputWidth > 0,
                     "\(name): input shape \(shape) is smaller than kernel \(kernel)")
        let training = GradMode.isEnabled && requiresGrad
        let (output, backward) = PoolingKernels.pool(self, geometry, training: training)
        let result = Tensor.recorded(name, shape: output.shape, storage: output.storage, inputs: [self]) { g in [backward(g)] }
        OpTrace.note(.pooling(max: function == .max, kernel: [kernel.0, kernel.1], stride: [stride.0, stride.1], padding: [padding.0, padding.1],
                              countIncludePad: function == .averageIncludingPadding), inputs: [self], output: result)
        return result
    }
}
