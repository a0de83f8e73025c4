//! The arithmetic of the stats, kept apart from where the counts come from.

use super::views::StepRates;

fn rounded(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// `part / whole` to 4 decimals; none when `whole` is zero.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| rounded(part as f64 / whole as f64, 4))
}

/// New people per participant, to 3 decimals; zero without participants.
pub fn k_factor(invited: i64, participants: i64) -> f64 {
    if participants > 0 {
        rounded(invited as f64 / participants as f64, 3)
    } else {
        0.0
    }
}

/// `amount / count` rounded half up to the minor unit; none when `count` is zero.
pub fn cost_per(amount: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (2 * amount + count).div_euclid(2 * count))
}

/// The funnel's steps: visits, unique visitors, leads, joined, qualified, rewarded.
pub fn steps(counts: [i64; 6]) -> StepRates {
    let [visits, uniques, leads, joined, qualified, rewarded] = counts;
    StepRates {
        unique_visitors: rate(uniques, visits),
        leads: rate(leads, uniques),
        joined: rate(joined, leads),
        qualified: rate(qualified, joined),
        rewarded: rate(rewarded, qualified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_shares_of_the_step_before_and_absent_over_nothing() {
        assert_eq!(rate(1, 3), Some(0.3333));
        assert_eq!(rate(2, 3), Some(0.6667));
        assert_eq!(rate(5, 0), None);
        let s = steps([10, 8, 4, 2, 1, 0]);
        assert_eq!(s.unique_visitors, Some(0.8));
        assert_eq!(s.leads, Some(0.5));
        assert_eq!(s.rewarded, Some(0.0));
    }

    #[test]
    fn costs_round_half_up_to_the_fen() {
        assert_eq!(cost_per(100, 3), Some(33));
        assert_eq!(cost_per(200, 3), Some(67));
        assert_eq!(cost_per(150, 2), Some(75));
        assert_eq!(cost_per(1, 2), Some(1));
        assert_eq!(cost_per(100, 0), None);
        assert_eq!(k_factor(2, 3), 0.667);
        assert_eq!(k_factor(2, 0), 0.0);
    }
}
