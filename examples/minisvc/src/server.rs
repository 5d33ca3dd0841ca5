//! The worker pool: each worker thread owns a set of keep-alive connections and serves the
//! ones poll(2) reports readable. The accept loop hands new connections out round-robin.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::directory::Directory;
use crate::http;
use crate::routes;
use crate::sys::{self, PollFd};

/// How often blocked threads wake up to check for shutdown.
const TICK: Duration = Duration::from_millis(100);
/// Keep-alive connections idle for longer are closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// A client that does not read its responses for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CHUNK: usize = 16 * 1024;

/// Accepts connections until shutdown is requested, then stops accepting, lets every worker
/// finish the requests it has read and returns.
pub fn serve(listener: TcpListener, threads: usize, dir: Arc<Directory>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let workers = (0..threads)
        .map(|n| Worker::spawn(n, Arc::clone(&dir)))
        .collect::<io::Result<Vec<_>>>()?;
    let accepted = accept_loop(&listener, &workers);
    if accepted.is_err() {
        // Still wind the workers down, so that main returns normally.
        sys::request_shutdown();
    }
    drop(listener);
    for worker in workers {
        worker.finish();
    }
    accepted
}

fn accept_loop(listener: &TcpListener, workers: &[Worker]) -> io::Result<()> {
    let mut next = 0;
    while !sys::shutdown_requested() {
        let mut fds = [PollFd::readable(listener)];
        if sys::wait_readable(&mut fds, TICK)? == 0 {
            continue;
        }
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    workers[next].hand_over(stream);
                    next = (next + 1) % workers.len();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // The peer gave up before we accepted; nothing to serve.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                // Out of file descriptors and the like: say so, and try again after a tick.
                Err(e) => {
                    eprintln!("minisvc: accept failed: {e}");
                    thread::sleep(TICK);
                    break;
                }
            }
        }
    }
    Ok(())
}

struct Worker {
    inbox: Sender<TcpStream>,
    /// Writing a byte here wakes the worker out of poll(2).
    waker: UnixStream,
    thread: JoinHandle<()>,
}

impl Worker {
    fn spawn(n: usize, dir: Arc<Directory>) -> io::Result<Worker> {
        let (inbox, new_conns) = mpsc::channel();
        let (waker, wake_rx) = UnixStream::pair()?;
        waker.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let thread = thread::Builder::new()
            .name(format!("worker-{n}"))
            .spawn(move || run_worker(&dir, &new_conns, &wake_rx))?;
        Ok(Worker {
            inbox,
            waker,
            thread,
        })
    }

    fn hand_over(&self, stream: TcpStream) {
        // A send only fails if the worker died, and then its panic is reported at join.
        if self.inbox.send(stream).is_ok() {
            self.wake();
        }
    }

    fn wake(&self) {
        // WouldBlock means wake-ups are already pending, which is just as good.
        let _ = (&self.waker).write(&[1]);
    }

    fn finish(self) {
        self.wake();
        if self.thread.join().is_err() {
            eprintln!("minisvc: a worker thread panicked");
        }
    }
}

fn run_worker(dir: &Directory, new_conns: &Receiver<TcpStream>, wake_rx: &UnixStream) {
    let mut conns: Vec<Conn> = Vec::new();
    let mut fds: Vec<PollFd> = Vec::new();
    let mut drain = [0u8; 64];
    while !sys::shutdown_requested() {
        while let Ok(stream) = new_conns.try_recv() {
            match Conn::new(stream) {
                Ok(conn) => conns.push(conn),
                Err(e) => eprintln!("minisvc: cannot set up connection: {e}"),
            }
        }
        fds.clear();
        fds.push(PollFd::readable(wake_rx));
        fds.extend(conns.iter().map(|c| PollFd::readable(&c.stream)));
        if let Err(e) = sys::wait_readable(&mut fds, TICK) {
            eprintln!("minisvc: poll failed: {e}");
            break;
        }
        if fds[0].is_ready() {
            while matches!((&*wake_rx).read(&mut drain), Ok(n) if n > 0) {}
        }
        let now = Instant::now();
        for (conn, fd) in conns.iter_mut().zip(&fds[1..]) {
            if fd.is_ready() {
                conn.serve(dir, now);
            } else if now.duration_since(conn.last_active) > IDLE_TIMEOUT {
                conn.open = false;
            }
        }
        conns.retain(|c| c.open);
    }
    // Dropping the connections closes them; requests already read have been answered.
}

/// One client connection and the bytes received but not yet parsed.
struct Conn {
    stream: TcpStream,
    /// Receive buffer; `buf[..filled]` holds data. It only grows (and is zeroed) when a
    /// request does not fit, so the common case does no per-read initialisation.
    buf: Vec<u8>,
    filled: usize,
    out: Vec<u8>,
    last_active: Instant,
    open: bool,
}

impl Conn {
    fn new(stream: TcpStream) -> io::Result<Conn> {
        // Accepted sockets may inherit O_NONBLOCK; reads only happen after poll says ready.
        stream.set_nonblocking(false)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        Ok(Conn {
            stream,
            buf: vec![0; READ_CHUNK],
            filled: 0,
            out: Vec::new(),
            last_active: Instant::now(),
            open: true,
        })
    }

    /// Reads what arrived, answers every complete request in it, and marks the connection
    /// closed on EOF, errors or `Connection: close`.
    fn serve(&mut self, dir: &Directory, now: Instant) {
        self.last_active = now;
        if self.filled == self.buf.len() {
            // The parser rejects heads and bodies over their limits, so this stays bounded.
            let grown = (self.buf.len() * 2).min(http::MAX_HEAD + http::MAX_BODY + READ_CHUNK);
            self.buf.resize(grown, 0);
        }
        match self.stream.read(&mut self.buf[self.filled..]) {
            Ok(0) => self.open = false,
            Ok(n) => {
                self.filled += n;
                let used = self.answer_buffered(dir);
                self.buf.copy_within(used..self.filled, 0);
                self.filled -= used;
                if !self.out.is_empty() && self.stream.write_all(&self.out).is_err() {
                    self.open = false;
                }
                self.out.clear();
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => self.open = false,
        }
    }

    /// Answers the complete requests at the front of the buffer (several when the client
    /// pipelines); returns how many bytes they used.
    fn answer_buffered(&mut self, dir: &Directory) -> usize {
        let mut used = 0;
        while self.open {
            match http::parse_request(&self.buf[used..self.filled]) {
                Ok(Some((req, n))) => {
                    used += n;
                    let response = routes::handle(dir, &req);
                    self.open = req.keep_alive;
                    response.write_to(&mut self.out, req.method == "HEAD", !self.open);
                }
                Ok(None) => break,
                Err(e) => {
                    e.response().write_to(&mut self.out, false, true);
                    self.open = false;
                    used = self.filled;
                }
            }
        }
        used
    }
}
