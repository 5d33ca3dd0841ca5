//! One load worker: a keep-alive HTTP/1.1 connection (hyper's low-level client) sending one
//! request at a time, reconnecting after errors, recording each latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::Shared;
use super::report::Stats;

/// After a failed connect, wait this long (doubling up to `MAX_BACKOFF`) so a dead service
/// does not turn the generator into a busy loop.
const FIRST_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_millis(100);
/// A worker that cannot connect for this long stops: nothing is listening any more.
const GIVE_UP: Duration = Duration::from_secs(2);

/// How one request ended, apart from a response.
enum Step {
    Answered(Result<StatusCode, hyper::Error>),
    /// The connection future finished (closed or failed) while a request was outstanding.
    ConnectionEnded,
    Deadline,
}

pub(super) async fn run(shared: Arc<Shared>, deadline: Instant, seed: u64) -> Stats {
    let mut stats = Stats::new();
    let mut rng = XorShift::new(seed);
    let total_weight = shared.total_weight();
    // One timer for the whole run, not one per request.
    let sleep = tokio::time::sleep_until(deadline.into());
    tokio::pin!(sleep);
    let mut backoff = FIRST_BACKOFF;
    let mut failing_since: Option<Instant> = None;

    'connect: loop {
        if shared.aborted() || Instant::now() >= deadline {
            break;
        }
        let stream = tokio::select! {
            biased;
            _ = &mut sleep => break,
            s = connect(&shared) => s,
        };
        let stream = match stream {
            Ok(s) => {
                backoff = FIRST_BACKOFF;
                failing_since = None;
                s
            }
            Err(e) => {
                if failing_since.get_or_insert_with(Instant::now).elapsed() > GIVE_UP {
                    stats.error(|| format!("connect: {e}"));
                    break;
                }
                // A failed connect uses up a request of a counted run, so a dead service
                // ends the run instead of spinning until the time limit.
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
        };
        let (mut sender, conn) =
            match http1::handshake::<_, Full<bytes::Bytes>>(TokioIo::new(stream)).await {
                Ok(pair) => pair,
                Err(e) => {
                    stats.error(|| format!("handshake: {e}"));
                    continue;
                }
            };
        // The connection is driven inside this task (not spawned): no cross-task wake-ups
        // between sending a request and reading its answer. Boxed once per connection so it
        // can be dropped (closing its channels) while a request future still waits on it.
        let mut conn = Box::pin(conn);

        loop {
            if shared.aborted() {
                break 'connect;
            }
            // A closed keep-alive connection (e.g. `Connection: close`) is not an error:
            // nothing was sent on it. Reconnect.
            // Usually ready already: the connection was polled when the last answer came in.
            if !sender.is_ready() {
                let ready = tokio::select! {
                    biased;
                    _ = conn.as_mut() => false,
                    r = sender.ready() => r.is_ok(),
                    _ = &mut sleep => break 'connect,
                };
                if !ready {
                    continue 'connect;
                }
            }
            if !shared.claim() {
                break 'connect;
            }
            let target = if total_weight > 1 {
                shared.pick(rng.below(total_weight))
            } else {
                &shared.targets[0]
            };
            let mut req = Request::new(Full::new(target.body.clone()));
            *req.method_mut() = target.method.clone();
            *req.uri_mut() = target.uri.clone();
            *req.headers_mut() = shared.headers.clone();

            let started = Instant::now();
            let exchange = async {
                let res = sender.send_request(req).await?;
                let status = res.status();
                let mut body = res.into_body();
                while let Some(frame) = body.frame().await {
                    frame?;
                }
                Ok(status)
            };
            tokio::pin!(exchange);
            let step = tokio::select! {
                biased;
                // Polled first so the I/O it does is seen by `exchange` in the same wake-up.
                _ = conn.as_mut() => Step::ConnectionEnded,
                r = &mut exchange => Step::Answered(r),
                _ = &mut sleep => Step::Deadline,
            };
            match step {
                Step::Answered(r) => {
                    if !record(&mut stats, r, started) {
                        continue 'connect;
                    }
                }
                // The connection may have finished right after delivering the answer
                // (`Connection: close`): the answer, or the error, is already on its way.
                Step::ConnectionEnded => {
                    drop(conn);
                    let r = tokio::select! {
                        biased;
                        r = &mut exchange => r,
                        _ = &mut sleep => break 'connect,
                    };
                    record(&mut stats, r, started);
                    continue 'connect;
                }
                // Requests still in flight at the end are not counted, as wrk does.
                Step::Deadline => break 'connect,
            }
        }
    }
    stats
}

/// Counts one finished request; false when it failed (the connection is then unusable).
#[inline]
fn record(stats: &mut Stats, result: Result<StatusCode, hyper::Error>, started: Instant) -> bool {
    match result {
        Ok(status) => {
            stats.response(status.as_u16(), started.elapsed());
            true
        }
        Err(e) => {
            stats.error(|| format!("request: {e}"));
            false
        }
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

/// Small fast PRNG for picking URLs; quality needs are modest (a weighted mix).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // splitmix64 of the seed, so neighbouring seeds give unrelated streams (never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        XorShift((z ^ (z >> 31)) | 1)
    }

    #[inline]
    fn below(&mut self, n: u32) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        // Multiply-shift: unbiased enough for weights, no division.
        (((x >> 32) * n as u64) >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_roughly_uniform() {
        let mut r = XorShift::new(7);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[r.below(4) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }
}
