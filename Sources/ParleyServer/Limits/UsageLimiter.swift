import Foundation
import ParleyChat

/// The per-user (or per-address) limits of issue 13, on counters shared by every replica when the
/// store is PostgreSQL:
/// - PARLEY_RATE_LIMIT questions per fixed one-minute window (UTC minute), counted before the model
///   is called; the one over the limit is refused with `rate_limited` and `Retry-After` (seconds
///   to the next window). A fixed window lets a burst of twice the limit straddle a boundary; a
///   sliding window would need a row per question, and the limit is about scripts draining the
///   quota, not about second-level fairness.
/// - PARLEY_DAILY_TOKEN_BUDGET prompt+completion tokens per UTC day, counted from the model's
///   `usage` after each answer; once spent, questions are refused with `budget_exhausted` until
///   UTC midnight (`Retry-After`, `resets_at`). The answer that crosses the budget is still
///   delivered: its size is only known afterwards.
/// Time comes from `now`, so tests move a clock instead of sleeping.
struct UsageLimiter: Sendable {
    let counters: any UsageCounterStore
    /// 0 is off.
    let questionsPerMinute: Int
    /// 0 is off.
    let dailyTokenBudget: Int
    let now: @Sendable () -> Date
    /// Called with "rate_limited" or "budget_exhausted" for each refusal (the metric).
    var onRefusal: @Sendable (String) -> Void = { _ in }

    var isOn: Bool { questionsPerMinute > 0 || dailyTokenBudget > 0 }

    /// Counts the question, or throws the 429 that refuses it.
    func admit(_ key: String) async throws {
        let time = now()
        if dailyTokenBudget > 0 {
            let day = Self.dayStart(time)
            let used = try await counters.tokens(for: key, day: day)
            if used >= dailyTokenBudget {
                onRefusal("budget_exhausted")
                let reset = day.addingTimeInterval(86_400)
                var error = APIError(
                    .tooManyRequests, "budget_exhausted",
                    "You have used today's \(dailyTokenBudget) tokens (PARLEY_DAILY_TOKEN_BUDGET); the budget comes back at \(Self.iso(reset)).",
                    retryAfterSeconds: Self.seconds(from: time, to: reset))
                error.resetsAt = Self.iso(reset)
                error.headers = [Self.resetsAtHeader: Self.iso(reset)]
                throw error
            }
        }
        if questionsPerMinute > 0 {
            let window = Self.minuteStart(time)
            let count = try await counters.countQuestion(for: key, window: window)
            if count > questionsPerMinute {
                onRefusal("rate_limited")
                let reset = Self.seconds(from: time, to: window.addingTimeInterval(60))
                var error = APIError(
                    .tooManyRequests, "rate_limited",
                    "You have asked \(questionsPerMinute) questions this minute (PARLEY_RATE_LIMIT). Try again in \(reset) s.",
                    retryAfterSeconds: reset)
                error.headers = [
                    "RateLimit-Limit": String(questionsPerMinute), "RateLimit-Remaining": "0", "RateLimit-Reset": String(reset),
                ]
                throw error
            }
        }
    }

    /// Adds an answer's tokens to the day's total.
    func record(_ usage: ChatUsage, for key: String) async throws {
        guard dailyTokenBudget > 0 else { return }
        let tokens = usage.promptTokens + usage.completionTokens
        guard tokens > 0 else { return }
        try await counters.addTokens(tokens, for: key, day: Self.dayStart(now()))
    }

    /// What is left, for `GET /limits`.
    func status(_ key: String) async throws -> LimitsStatus {
        let time = now()
        var status = LimitsStatus(
            questions_left: nil, questions_per_minute: nil, tokens_left_today: nil, daily_token_budget: nil, resets_at: nil)
        if questionsPerMinute > 0 {
            let used = try await counters.questions(for: key, window: Self.minuteStart(time))
            status.questions_per_minute = questionsPerMinute
            status.questions_left = max(0, questionsPerMinute - used)
        }
        if dailyTokenBudget > 0 {
            let day = Self.dayStart(time)
            let used = try await counters.tokens(for: key, day: day)
            status.daily_token_budget = dailyTokenBudget
            status.tokens_left_today = max(0, dailyTokenBudget - used)
            status.resets_at = Self.iso(day.addingTimeInterval(86_400))
        }
        return status
    }

    /// The header that carries `resets_at` on a `budget_exhausted` refusal.
    static let resetsAtHeader = "Parley-Budget-Resets-At"

    static func minuteStart(_ time: Date) -> Date {
        Date(timeIntervalSince1970: (time.timeIntervalSince1970 / 60).rounded(.down) * 60)
    }

    static func dayStart(_ time: Date) -> Date {
        Date(timeIntervalSince1970: (time.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }

    /// Whole seconds until `end`, at least 1 (a `Retry-After` of 0 invites an immediate retry).
    static func seconds(from time: Date, to end: Date) -> Int {
        max(1, Int(end.timeIntervalSince(time).rounded(.up)))
    }

    static func iso(_ time: Date) -> String {
        time.formatted(.iso8601)
    }
}

/// The body of `GET /limits`; a field is null when its limit is off.
struct LimitsStatus: Encodable, Equatable {
    var questions_left: Int?
    var questions_per_minute: Int?
    var tokens_left_today: Int?
    var daily_token_budget: Int?
    var resets_at: String?

    enum CodingKeys: String, CodingKey {
        case questions_left, questions_per_minute, tokens_left_today, daily_token_budget, resets_at
    }

    /// Nulls are written out: the page tells "off" from "unknown" by them.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(questions_left, forKey: .questions_left)
        try container.encode(questions_per_minute, forKey: .questions_per_minute)
        try container.encode(tokens_left_today, forKey: .tokens_left_today)
        try container.encode(daily_token_budget, forKey: .daily_token_budget)
        try container.encode(resets_at, forKey: .resets_at)
    }
}
