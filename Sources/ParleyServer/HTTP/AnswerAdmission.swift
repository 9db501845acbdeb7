import Synchronization

/// Load shedding: at most `limit` answers in flight in this process. Past it, `/ask` answers at
/// once with 503 `overloaded` and `Retry-After`, instead of queueing work that would only end in
/// a timeout. A slot is held from the moment a question is admitted until its answer (JSON or
/// stream) ends, however it ends.
final class AnswerAdmission: Sendable {
    let limit: Int
    private let active = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// The answers in flight now.
    var inFlight: Int { active.load(ordering: .relaxed) }

    /// A slot, or nil when every slot is taken.
    func admit() -> Slot? {
        let (_, admitted) = active.wrappingAdd(1, ordering: .acquiringAndReleasing)
        guard admitted <= limit else {
            active.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return nil
        }
        return Slot(admission: self)
    }

    fileprivate func release() {
        active.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }

    /// One admitted answer. Released by `release()` or, if the answer never ran (a response body
    /// that was never written), when the last reference goes.
    final class Slot: Sendable {
        private let admission: AnswerAdmission
        private let released = Atomic<Bool>(false)

        fileprivate init(admission: AnswerAdmission) {
            self.admission = admission
        }

        func release() {
            if !released.exchange(true, ordering: .acquiringAndReleasing) { admission.release() }
        }

        deinit { release() }
    }
}
