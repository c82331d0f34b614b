import Testing
@testable import RagTuneTraining

@Suite struct BatchPlannerTests {
    static let lengths = [5, 40, 7, 33, 12, 9, 50, 3, 21, 18]

    @Test func everyExampleOncePerEpochInASeededOrder() {
        for grouped in [false, true] {
            let planner = BatchPlanner(lengths: Self.lengths, microBatchSize: 3, groupByLength: grouped, seed: 11)
            let first = planner.batches(epoch: 0)
            #expect(first.count == 4 && planner.batchesPerEpoch == 4)
            #expect(first.joined().sorted() == Array(0..<10))
            #expect(planner.batches(epoch: 0) == first)
            #expect(planner.batches(epoch: 1) != first)
            #expect(BatchPlanner(lengths: Self.lengths, microBatchSize: 3, groupByLength: grouped, seed: 12).batches(epoch: 0) != first)
        }
    }

    @Test func groupingPutsSimilarLengthsTogether() {
        let batches = BatchPlanner(lengths: Self.lengths, microBatchSize: 3, groupByLength: true, seed: 1).batches(epoch: 0)
        let sortedGroups = Set(batches.map { Set($0) })
        #expect(sortedGroups == [[6, 1, 3], [8, 9, 4], [5, 2, 0], [7]])
    }
}
