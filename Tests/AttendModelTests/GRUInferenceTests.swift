import AttendKernels
import XCTest

@testable import AttendModel

final class GRUInferenceTests: XCTestCase {
  func testKeepingOneStepOfGatesGivesTheSameStatesAsKeepingEveryStep() {
    // Inference keeps one step of the recurrent projection and gates; the outputs must not change.
    let (input, hidden, s, b) = (6, 5, 7, 3)
    for reverse in [false, true] {
      let store = ParameterStore()
      let gru = GRU(store, "rnn", suffix: "", input: input, hidden: hidden, reverse: reverse)
      store.seal()
      var rng = RandomGenerator(seed: 31)
      Initialization.uniform(store.values.pointer, count: store.count, bound: 0.5, rng: &rng)
      let x = FloatBuffer((0..<(s * b * input)).map { _ in rng.nextFloat() - 0.5 })
      let masks: [Float] = (0..<(s * b)).map { i in i / b < s - (i % b) ? 1 : 0 }  // lengths 7, 6, 5
      var states: [[Float]] = []
      for keepsEveryStep in [true, false] {
        let act = GRU.Activations()
        act.keepsEveryStep = keepsEveryStep
        gru.forward(store, x: x.pointer, ldx: input, steps: s, batch: b, masks: masks, act: act)
        XCTAssertEqual(act.gates.count, (keepsEveryStep ? s : 1) * b * 3 * hidden)
        states.append(act.states.array)
      }
      XCTAssertEqual(states[0], states[1], "reverse \(reverse)")
    }
  }
}
