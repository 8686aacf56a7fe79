import Glean
import Testing

/// Confident learning flags an image labeled as one class but confidently in another (and hardly
/// its own), suggests that class, and leaves merely unsure images alone.
@Suite struct ConfidentLearningTests {
    @Test func flagsConfidentlyMislabeledImagesOnly() {
        var probabilities: [[Float]] = [], labels: [Int] = []
        for label in 0..<3 {
            for _ in 0..<10 {
                // Exactly representable values, so that a class's mean is its images' value.
                var row: [Float] = [0.125, 0.125, 0.125]
                row[label] = 0.75
                probabilities.append(row)
                labels.append(label)
            }
        }
        probabilities.append([0.05, 0.9, 0.05])   // 30: labeled 0, clearly a 1
        labels.append(0)
        probabilities.append([0.4, 0.35, 0.25])   // 31: labeled 0, unsure
        labels.append(0)
        probabilities.append([0.02, 0.03, 0.95])  // 32: labeled 1, clearly a 2
        labels.append(1)
        probabilities.append([0.0, 0.15, 0.85])   // 33: labeled 1, confidently a 2 but not hardly a 1
        labels.append(1)
        let result = ConfidentLearning.analyse(probabilities: probabilities, labels: labels, classCount: 3)
        #expect(result.issues.map(\.index) == [32, 30])
        #expect(result.issues.map(\.suggestedLabel) == [2, 1])
        #expect(abs(result.issues[0].margin - (0.03 - 0.95)) < 1e-6 && abs(result.issues[0].selfConfidence - 0.03) < 1e-6)
        // Threshold of class 0: the mean of p(0) over the 12 images labeled 0.
        #expect(abs(result.thresholds[0] - (10 * 0.75 + 0.05 + 0.4) / 12) < 1e-6)
        #expect(result.confidentJoint[0][1] == 1 && result.confidentJoint[1][2] == 2 && result.confidentJoint[0][0] == 10)
        #expect(result.estimatedWrongLabels == 3)
    }

    @Test func cleanLabelsGiveNoIssues() {
        let probabilities: [[Float]] = (0..<20).map { $0 % 2 == 0 ? [0.8, 0.2] : [0.3, 0.7] }
        let result = ConfidentLearning.analyse(probabilities: probabilities, labels: (0..<20).map { $0 % 2 }, classCount: 2)
        #expect(result.issues.isEmpty)
    }
}
