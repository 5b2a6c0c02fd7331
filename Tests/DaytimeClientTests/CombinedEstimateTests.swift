import DaytimeClient
import Testing

@Suite("Combining servers (Marzullo)")
struct CombinedEstimateTests {
    @Test("three servers that overlap: the estimate is the interval all three share")
    func allAgree() throws {
        let estimate = try CombinedEstimate.combine([(-1, 1), (0, 2), (0.5, 1.5)]).get()
        #expect(estimate.offset == 0.75)
        #expect(estimate.bound == 0.25)
        #expect(estimate.truechimers == [0, 1, 2])
        #expect(estimate.falsetickers.isEmpty)
    }

    @Test("one server an hour off among three is a falseticker and is left out")
    func oneLiar() throws {
        let estimate = try CombinedEstimate.combine([(0.1, 0.6), (3600.2, 3600.7), (0.3, 0.8)]).get()
        #expect(estimate.truechimers == [0, 2])
        #expect(estimate.falsetickers == [1])
        #expect(abs(estimate.offset - 0.45) < 1e-12)
        #expect(abs(estimate.bound - 0.15) < 1e-12)
    }

    @Test("two servers that disagree: no majority, so no estimate")
    func twoDisagree() {
        let result = CombinedEstimate.combine([(0, 1), (3600, 3601)])
        #expect(throws: CombinedEstimate.Disagreement(largestAgreeingGroup: 1, servers: 2)) { try result.get() }
    }

    @Test("intervals that only touch agree at that point; none at all is a disagreement of 0 of 0")
    func edges() throws {
        let touching = try CombinedEstimate.combine([(0, 1), (1, 2)]).get()
        #expect(touching.offset == 1 && touching.bound == 0)
        #expect(throws: CombinedEstimate.Disagreement(largestAgreeingGroup: 0, servers: 0)) {
            try CombinedEstimate.combine([]).get()
        }
        let single = try CombinedEstimate.combine([(2, 4)]).get()
        #expect(single.offset == 3 && single.bound == 1 && single.truechimers == [0])
    }

    @Test("the estimate contains the truth whenever a majority of intervals does (5,000 random cases)")
    func randomised() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for _ in 0..<5000 {
            let truth = random() * 10 - 5
            let n = 1 + Int(random() * 7)
            var intervals: [(lower: Double, upper: Double)] = []
            var honest = 0
            for _ in 0..<n {
                let bound = 0.01 + random()
                if random() < 0.7 {
                    // Honest: the truth is inside.
                    let offset = truth + (random() * 2 - 1) * bound
                    intervals.append((offset - bound, offset + bound))
                    honest += 1
                } else {
                    let offset = truth + 100 + random() * 1000
                    intervals.append((offset - bound, offset + bound))
                }
            }
            guard 2 * honest > n else { continue }
            let estimate = try CombinedEstimate.combine(intervals).get()
            #expect(abs(estimate.offset - truth) <= estimate.bound + 1e-9)
            #expect(estimate.truechimers.count == honest)
        }
    }
}
