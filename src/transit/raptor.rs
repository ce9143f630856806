//! RAPTOR (Delling, Pajor and Werneck 2012): earliest arrival at every stop
//! in rounds, one more ride per round, scanning each route pattern once per
//! round.
//!
//! Labels keep how a stop was reached: by a ride (it can be walked away
//! from) or on foot (it can only be boarded from), so that a journey never
//! chains two walks: origin, walk, ride, (walk or stay), ride, ..., walk,
//! destination.

use super::timetable::Timetable;

/// Seconds; `u32::MAX` is "not reached".
pub const UNREACHED: u32 = u32::MAX;

/// Per-thread buffers for repeated searches on one timetable.
pub struct Raptor {
    /// Earliest arrival by a ride, over all rounds so far.
    pub by_ride: Vec<u32>,
    /// Earliest time one can board at a stop in the current round.
    board: Vec<u32>,
    next_board: Vec<u32>,
    marked: Vec<bool>,
    marked_list: Vec<u32>,
    /// Per pattern, the earliest position to scan from this round.
    queue: Vec<u32>,
    queued: Vec<u32>,
}

thread_local! {
    static RAPTOR: std::cell::RefCell<Option<Raptor>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's buffers, sized for `timetable`.
pub fn with_raptor<T>(timetable: &Timetable, f: impl FnOnce(&mut Raptor) -> T) -> T {
    RAPTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fits = slot
            .as_ref()
            .is_some_and(|r| r.by_ride.len() == timetable.stops.len() && r.queue.len() == timetable.patterns.len());
        if !fits {
            *slot = Some(Raptor::new(timetable));
        }
        f(slot.as_mut().expect("just made"))
    })
}

impl Raptor {
    pub fn new(timetable: &Timetable) -> Self {
        let n = timetable.stops.len();
        Raptor {
            by_ride: vec![UNREACHED; n],
            board: vec![UNREACHED; n],
            next_board: vec![UNREACHED; n],
            marked: vec![false; n],
            marked_list: Vec::new(),
            queue: vec![u32::MAX; timetable.patterns.len()],
            queued: Vec::new(),
        }
    }

    /// Runs from `access` (stop, time one can board there), with at most
    /// `max_rides` rides and `transfers` (per stop: (other stop, walking
    /// seconds)); ignores arrivals after `deadline`. Leaves the earliest ride
    /// arrival per stop in `by_ride`.
    pub fn run(
        &mut self,
        timetable: &Timetable,
        access: &[(u32, u32)],
        transfers: &[Vec<(u32, u32)>],
        max_rides: usize,
        deadline: u32,
    ) {
        self.by_ride.fill(UNREACHED);
        self.board.fill(UNREACHED);
        self.marked_list.clear();
        for &(s, t) in access {
            if t < self.board[s as usize] {
                self.board[s as usize] = t;
                self.mark(s);
            }
        }
        for _ in 0..max_rides {
            if self.marked_list.is_empty() {
                break;
            }
            // patterns through the stops marked last round, from their earliest marked position
            for &s in &self.marked_list {
                self.marked[s as usize] = false;
                for &(p, i) in &timetable.stop_patterns[s as usize] {
                    let slot = &mut self.queue[p as usize];
                    if *slot == u32::MAX {
                        self.queued.push(p);
                    }
                    *slot = (*slot).min(i);
                }
            }
            self.marked_list.clear();
            self.next_board.copy_from_slice(&self.board);
            let mut rode_to = Vec::new();
            for &p in &self.queued {
                let pattern = &timetable.patterns[p as usize];
                let start = self.queue[p as usize] as usize;
                self.queue[p as usize] = u32::MAX;
                let mut trip: Option<usize> = None;
                for i in start..pattern.stops.len() {
                    let s = pattern.stops[i] as usize;
                    if let Some(t) = trip {
                        let arrival = pattern.times[t][i].0;
                        if arrival <= deadline && arrival < self.by_ride[s] {
                            self.by_ride[s] = arrival;
                            if arrival < self.next_board[s] {
                                self.next_board[s] = arrival;
                            }
                            rode_to.push(s as u32);
                        }
                    }
                    // board (or switch to an earlier trip) where this round's boarding time allows
                    let ready = self.board[s];
                    if ready != UNREACHED && trip.is_none_or(|t| ready < pattern.times[t][i].1) {
                        let first = pattern.times.partition_point(|run| run[i].1 < ready);
                        if first < pattern.times.len() && trip.is_none_or(|t| first < t) {
                            trip = Some(first);
                        }
                    }
                }
            }
            self.queued.clear();
            // walk from where a ride arrived (one walk between rides)
            for &s in &rode_to {
                let arrived = self.by_ride[s as usize];
                self.mark(s);
                for &(q, walk_s) in &transfers[s as usize] {
                    let t = arrived.saturating_add(walk_s);
                    if t <= deadline && t < self.next_board[q as usize] {
                        self.next_board[q as usize] = t;
                        self.mark(q);
                    }
                }
            }
            std::mem::swap(&mut self.board, &mut self.next_board);
        }
        for &s in &self.marked_list {
            self.marked[s as usize] = false;
        }
    }

    fn mark(&mut self, s: u32) {
        if !self.marked[s as usize] {
            self.marked[s as usize] = true;
            self.marked_list.push(s);
        }
    }
}
