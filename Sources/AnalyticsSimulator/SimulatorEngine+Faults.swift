import AnalyticsAPI

/// The faults the simulator draws before a request has its effect (docs/simulator.md): each fault has its own
/// deterministic sequence of draws, named by the fault, so the same requests meet the same faults for a seed.
extension SimulatorEngine {
    /// The next draw of fault `name`'s own sequence: a uniform value in [0, 1) and how many draws it has had.
    func nextDraw(_ name: String) -> (unit: Double, count: UInt64) {
        let count = faultDraws[name, default: 0] + 1
        faultDraws[name] = count
        return (DeterministicRandom.unit(configuration.seed, DeterministicRandom.tag(name), count), count)
    }

    /// Whether fault `name` strikes now, with `probability` (no draw when it is 0); a strike is counted in the
    /// stats under `name`.
    func drawFault(_ name: String, probability: Double) -> Bool {
        guard probability > 0 else { return false }
        let strikes = nextDraw(name).unit < probability
        if strikes { stats.faults[name, default: 0] += 1 }
        return strikes
    }

    /// The next draw of the after-effect faults (`SimulatorEngine+AfterEffects.swift`).
    func nextAfterEffectDraw(_ name: String) -> Double {
        afterEffectDraws += 1
        return DeterministicRandom.unit(configuration.seed, DeterministicRandom.tag(name), afterEffectDraws)
    }

    /// Draws the fault (if any) for the next API request.
    func drawRequestFault() -> RequestFault? {
        let faults = configuration.faults
        guard faults.requestFaultProbability > 0 else { return nil }
        let (u, draws) = nextDraw("request")
        if u < faults.http5xx {
            stats.faults["http5xx", default: 0] += 1
            let codes = [503, 500, 502]
            return .http5xx(status: codes[Int(draws % 3)])
        }
        if u < faults.http5xx + faults.http429 {
            stats.faults["http429", default: 0] += 1
            return .http429
        }
        if u < faults.http5xx + faults.http429 + faults.reset {
            stats.faults["reset", default: 0] += 1
            return .reset
        }
        if u < faults.http5xx + faults.http429 + faults.reset + faults.garbage {
            stats.faults["garbage", default: 0] += 1
            return .garbage
        }
        if u < faults.requestFaultProbability {
            stats.faults["envelope", default: 0] += 1
            return .envelope
        }
        return nil
    }

    /// Whether the next download redirect points at the foreign host (when one is configured).
    func drawForeignRedirect() -> Bool {
        configuration.foreignBaseURL != nil && drawFault("foreign", probability: configuration.faults.foreign)
    }

    /// Whether the next file download is answered with an HTML page instead of its CSV.
    func drawHTMLBody() -> Bool { drawFault("html", probability: configuration.faults.html) }

    /// Whether the next file download is cut short.
    func drawTruncation() -> Bool { drawFault("truncate", probability: configuration.faults.truncate) }
}
