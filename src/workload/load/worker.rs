//! One load worker: a keep-alive HTTP/1.1 connection sending one request at a time — as
//! fast as answers come (closed loop) or on a fixed schedule (open loop) — reconnecting after
//! errors, recording each latency.

use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::http::Conn;
use super::report::Stats;
use super::shared::Shared;
use crate::measure::rng::Rng;

/// After a failed connect, wait this long (doubling up to `MAX_BACKOFF`) so a dead service
/// does not turn the generator into a busy loop.
const FIRST_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_millis(100);
/// A worker that cannot connect for this long stops: nothing is listening any more.
const GIVE_UP: Duration = Duration::from_secs(2);
/// Open loop: the longest wait for a due time between checks for Ctrl-C or an abort.
const ABORT_CHECK: Duration = Duration::from_millis(100);

/// Open loop: when this connection's requests are due.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedule {
    /// When the next request is due (first: the connections of a run are staggered across
    /// one interval).
    pub next: Instant,
    pub interval: Duration,
}

pub(super) async fn run(
    shared: Arc<Shared>,
    deadline: Instant,
    seed: u64,
    schedule: Option<Schedule>,
) -> Stats {
    let mut worker = Worker::new(shared, deadline, seed, schedule);
    while worker.step().await.is_continue() {}
    worker.stats
}

/// One connection's state across its requests.
struct Worker {
    shared: Arc<Shared>,
    deadline: Instant,
    schedule: Option<Schedule>,
    stats: Stats,
    rng: Rng,
    total_weight: u32,
    // One timer for the whole run, one for pacing: reset, not created, per request.
    end: Pin<Box<Sleep>>,
    pace: Pin<Box<Sleep>>,
    backoff: Duration,
    failing_since: Option<Instant>,
    conn: Option<Conn>,
    /// When the connection last became free to send (open loop: was it busy at the due time?).
    free_since: Instant,
}

impl Worker {
    fn new(shared: Arc<Shared>, deadline: Instant, seed: u64, schedule: Option<Schedule>) -> Self {
        Worker {
            total_weight: shared.total_weight(),
            shared,
            deadline,
            schedule,
            stats: Stats::new(),
            rng: Rng::new(seed),
            end: Box::pin(tokio::time::sleep_until(deadline.into())),
            pace: Box::pin(tokio::time::sleep_until(deadline.into())),
            backoff: FIRST_BACKOFF,
            failing_since: None,
            conn: None,
            free_since: Instant::now(),
        }
    }

    /// One request: a connection, its due time (open loop), the exchange. Breaks when the
    /// run is over for this worker.
    async fn step(&mut self) -> ControlFlow<()> {
        if self.shared.aborted() || Instant::now() >= self.deadline {
            return ControlFlow::Break(());
        }
        if self.conn.is_none() && !self.connect().await? {
            return ControlFlow::Continue(());
        }
        let scheduled = self.due().await?;
        if !self.shared.claim() {
            return ControlFlow::Break(());
        }
        self.exchange(scheduled).await
    }

    /// Opens the connection: true once connected, false after a failure (counted, then
    /// backed off).
    async fn connect(&mut self) -> ControlFlow<(), bool> {
        let stream = tokio::select! {
            biased;
            _ = &mut self.end => return ControlFlow::Break(()),
            s = connect(&self.shared) => s,
        };
        let e = match stream {
            Ok(s) => {
                self.backoff = FIRST_BACKOFF;
                self.failing_since = None;
                self.free_since = Instant::now();
                self.conn = Some(Conn::new(s));
                return ControlFlow::Continue(true);
            }
            Err(e) => e,
        };
        if self
            .failing_since
            .get_or_insert_with(Instant::now)
            .elapsed()
            > GIVE_UP
        {
            self.stats.error(|| format!("connect: {e}"));
            return ControlFlow::Break(());
        }
        // A failed connect uses up a request of a counted run, so a dead service ends the
        // run instead of spinning until the time limit.
        if !self.shared.claim() {
            return ControlFlow::Break(());
        }
        self.stats.error(|| format!("connect: {e}"));
        tokio::select! {
            biased;
            _ = &mut self.end => return ControlFlow::Break(()),
            _ = tokio::time::sleep(self.backoff) => {}
        }
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        ControlFlow::Continue(false)
    }

    /// Open loop: a request whose connection was still busy with an earlier answer at its
    /// due time counts from that due time, as wrk2 does, so a stall shows in the latencies
    /// instead of silently lowering the request rate. One whose connection was free waits
    /// for its time and counts from when it leaves: the timer's own lateness (tokio's timers
    /// tick in milliseconds) is not the service's. Returns the time latency counts from,
    /// when it is not the time the request leaves.
    async fn due(&mut self) -> ControlFlow<(), Option<Instant>> {
        let Some(s) = &mut self.schedule else {
            return ControlFlow::Continue(None);
        };
        let this = s.next;
        s.next += s.interval;
        if this >= self.deadline {
            return ControlFlow::Break(());
        }
        if self.free_since > this {
            self.stats.behind_schedule += 1;
            return ControlFlow::Continue(Some(this));
        }
        // In steps, so a slow schedule still notices Ctrl-C or a dead service.
        loop {
            let now = Instant::now();
            if now >= this {
                return ControlFlow::Continue(None);
            }
            self.pace.as_mut().reset(this.min(now + ABORT_CHECK).into());
            tokio::select! {
                biased;
                _ = &mut self.end => return ControlFlow::Break(()),
                _ = &mut self.pace => {}
            }
            if self.shared.aborted() {
                return ControlFlow::Break(());
            }
        }
    }

    /// Sends one request of the mix and records its answer (or error).
    async fn exchange(&mut self, scheduled: Option<Instant>) -> ControlFlow<()> {
        let target = if self.total_weight > 1 {
            self.shared
                .pick(self.rng.below(self.total_weight as usize) as u32)
        } else {
            &self.shared.targets[0]
        };
        let Some(conn) = self.conn.as_mut() else {
            return ControlFlow::Continue(());
        };
        let started = scheduled.unwrap_or_else(Instant::now);
        let answer = tokio::select! {
            biased;
            a = conn.exchange(&target.request, target.head) => a,
            // Requests still in flight at the end are not counted, as wrk does.
            _ = &mut self.end => return ControlFlow::Break(()),
        };
        self.free_since = Instant::now();
        match answer {
            Ok(a) => {
                self.stats.response(a.status, self.free_since - started);
                // A closed keep-alive connection (e.g. `Connection: close`) is not an error:
                // the answer came. Reconnect.
                if !a.keep_alive {
                    self.conn = None;
                }
            }
            Err(e) => {
                self.stats.error(|| format!("request: {e}"));
                self.conn = None;
            }
        }
        ControlFlow::Continue(())
    }
}

async fn connect(shared: &Shared) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in &shared.addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                // Small requests must leave at once, not wait for Nagle.
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address to connect to")))
}
