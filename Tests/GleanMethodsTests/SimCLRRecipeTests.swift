import Testing
import Glean

@Suite struct SimCLRRecipeTests {
    @Test func smallSetsGetAHigherTemperatureAndManyEpochs() {
        let digits = SimCLRRecipe(imageCount: 4000, imageSize: 20, channels: 1)
        #expect(digits.width == 16 && digits.viewSize == 20 && digits.temperature == 0.5)
        #expect(digits.batchSize == 256 && digits.learningRate == 1e-3)
        // 15 steps of 256 per epoch: 334 epochs reach the 5,000 steps.
        #expect(digits.epochs == 334)
    }

    @Test func largeSetsKeepSimCLRsCIFARSettings() {
        let fashion = SimCLRRecipe(imageCount: 60000, imageSize: 28, channels: 1)
        #expect(fashion.width == 16 && fashion.temperature == 0.2 && fashion.batchSize == 256)
        #expect(fashion.epochs == 22)  // 234 steps per epoch
        // Few epochs per minute: smaller views and a higher rate.
        #expect(fashion.viewSize == 20 && fashion.learningRate == 3e-3)
        let photos = SimCLRRecipe(imageCount: 60000, imageSize: 96, channels: 3)
        #expect(photos.width == 32 && photos.viewSize == 68)
        #expect(SimCLRRecipe(imageCount: 60000, imageSize: 20, channels: 1).viewSize == 20)
        // Colour: strong jitter and gray views for RGB, so that colour alone cannot match two views.
        #expect(photos.colorJitter == 0.8 && photos.grayscaleProbability == 0.5 && fashion.colorJitter == 0.4)
    }

    @Test func tinySetsShrinkTheBatchAndScaleTheRate() {
        let pile = SimCLRRecipe(imageCount: 1000, imageSize: 32, channels: 3)
        #expect(pile.batchSize == 64 && pile.learningRate == 2.5e-4)  // 1000 / 64 = 15 >= 8 steps per epoch
        #expect(pile.viewSize == 32)  // small sets keep whole-size views
        let handful = SimCLRRecipe(imageCount: 40, imageSize: 32, channels: 3)
        #expect(handful.batchSize == 16 && handful.epochs == 2500)
    }

    @Test func defaultKNeverExceedsAClassesImages() {
        #expect(KNNEvaluation.defaultK(bankCount: 54000, classCount: 10) == 200)
        #expect(KNNEvaluation.defaultK(bankCount: 3600, classCount: 10) == 200)
        #expect(KNNEvaluation.defaultK(bankCount: 300, classCount: 10) == 30)
        #expect(KNNEvaluation.defaultK(bankCount: 5, classCount: 10) == 1)
    }
}
