//! One load worker: a keep-alive HTTP/1.1 connection sending one request at a time — as
//! fast as answers come (closed loop) or on a fixed schedule (open loop) — reconnecting after
//! errors, recording each latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::Shared;
use super::http::Conn;
use super::report::Stats;

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
    mut schedule: Option<Schedule>,
) -> Stats {
    let mut stats = Stats::new();
    let mut rng = crate::measure::rng::Rng::new(seed);
    let total_weight = shared.total_weight();
    // One timer for the whole run, one for pacing: reset, not created, per request.
    let sleep = tokio::time::sleep_until(deadline.into());
    tokio::pin!(sleep);
    let pace = tokio::time::sleep_until(deadline.into());
    tokio::pin!(pace);
    let mut backoff = FIRST_BACKOFF;
    let mut failing_since: Option<Instant> = None;
    let mut conn: Option<Conn> = None;
    // When the connection last became free to send (open loop: was it busy at the due time?).
    let mut free_since = Instant::now();

    'run: loop {
        if shared.aborted() || Instant::now() >= deadline {
            break;
        }
        let c = match &mut conn {
            Some(c) => c,
            None => {
                let stream = tokio::select! {
                    biased;
                    _ = &mut sleep => break,
                    s = connect(&shared) => s,
                };
                match stream {
                    Ok(s) => {
                        backoff = FIRST_BACKOFF;
                        failing_since = None;
                        free_since = Instant::now();
                        conn.insert(Conn::new(s))
                    }
                    Err(e) => {
                        if failing_since.get_or_insert_with(Instant::now).elapsed() > GIVE_UP {
                            stats.error(|| format!("connect: {e}"));
                            break;
                        }
                        // A failed connect uses up a request of a counted run, so a dead
                        // service ends the run instead of spinning until the time limit.
                        if !shared.claim() {
                            break;
                        }
                        stats.error(|| format!("connect: {e}"));
                        tokio::select! {
                            biased;
                            _ = &mut sleep => break,
                            _ = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                }
            }
        };
        // Open loop: a request whose connection was still busy with an earlier answer at its
        // due time counts from that due time, as wrk2 does, so a stall shows in the latencies
        // instead of silently lowering the request rate. One whose connection was free waits
        // for its time and counts from when it leaves: the timer's own lateness (tokio's
        // timers tick in milliseconds) is not the service's.
        let scheduled = match &mut schedule {
            None => None,
            Some(s) => {
                let this = s.next;
                s.next += s.interval;
                if this >= deadline {
                    break;
                }
                if free_since > this {
                    stats.behind_schedule += 1;
                    Some(this)
                } else {
                    // In steps, so a slow schedule still notices Ctrl-C or a dead service.
                    loop {
                        let now = Instant::now();
                        if now >= this {
                            break;
                        }
                        pace.as_mut().reset(this.min(now + ABORT_CHECK).into());
                        tokio::select! {
                            biased;
                            _ = &mut sleep => break 'run,
                            _ = &mut pace => {}
                        }
                        if shared.aborted() {
                            break 'run;
                        }
                    }
                    None
                }
            }
        };
        if !shared.claim() {
            break;
        }
        let target = if total_weight > 1 {
            shared.pick(rng.below(total_weight as usize) as u32)
        } else {
            &shared.targets[0]
        };
        let started = scheduled.unwrap_or_else(Instant::now);
        let answer = tokio::select! {
            biased;
            a = c.exchange(&target.request, target.head) => a,
            // Requests still in flight at the end are not counted, as wrk does.
            _ = &mut sleep => break,
        };
        free_since = Instant::now();
        match answer {
            Ok(a) => {
                stats.response(a.status, free_since - started);
                // A closed keep-alive connection (e.g. `Connection: close`) is not an error:
                // the answer came. Reconnect.
                if !a.keep_alive {
                    conn = None;
                }
            }
            Err(e) => {
                stats.error(|| format!("request: {e}"));
                conn = None;
            }
        }
    }
    stats
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
