//! [`LargeValue`]: a value far larger than a test should hold, whose
//! bytes are known without being kept, and [`PeakResident`], which
//! watches a process's memory while it handles one.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The size of each chunk of a [`LargeValue`].
const CHUNK: usize = 1 << 20;

/// `size` bytes in chunks of 1 MiB: chunk `i` is a fixed pseudo-random
/// block with `i` written over its first eight bytes, so that a chunk out
/// of place or repeated is seen.
#[derive(Debug)]
pub struct LargeValue {
    block: Vec<u8>,
    size: u64,
}

impl LargeValue {
    /// A value of `size` bytes.
    pub fn new(size: u64) -> Self {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let block = (0..CHUNK)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        Self { block, size }
    }

    /// Its length.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Chunk `index`, the last one cut to the value's end.
    fn chunk(&self, index: u64) -> Vec<u8> {
        let start = index * CHUNK as u64;
        let len = (self.size - start).min(CHUNK as u64) as usize;
        let mut chunk = self.block[..len].to_vec();
        let stamp = index.to_le_bytes();
        let stamped = stamp.len().min(len);
        chunk[..stamped].copy_from_slice(&stamp[..stamped]);
        chunk
    }

    fn chunks(&self) -> u64 {
        self.size.div_ceil(CHUNK as u64)
    }

    /// `SET key` to it on the server at `port`, written chunk by chunk on
    /// a connection of its own; panics unless the server says `+OK`.
    pub fn set(&self, port: u16, key: &str) {
        let mut stream = crate::connect_loopback(port, "redis-server");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(120)))
            .unwrap();
        let header = format!(
            "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n",
            key.len(),
            self.size
        );
        stream.write_all(header.as_bytes()).unwrap();
        for index in 0..self.chunks() {
            stream.write_all(&self.chunk(index)).unwrap();
        }
        stream.write_all(b"\r\n").unwrap();
        let mut reply = [0; 5];
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"+OK\r\n");
    }

    /// Whether `reader` yields exactly this value.
    pub fn matches(&self, mut reader: impl Read) -> bool {
        let mut read = vec![0; CHUNK];
        for index in 0..self.chunks() {
            let expected = self.chunk(index);
            if reader.read_exact(&mut read[..expected.len()]).is_err()
                || read[..expected.len()] != expected[..]
            {
                return false;
            }
        }
        reader.read(&mut read[..1]).is_ok_and(|n| n == 0)
    }
}

/// Samples this process's resident memory every few milliseconds until
/// [`stop`](Self::stop), keeping the highest.
#[derive(Debug)]
pub struct PeakResident {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    sampler: Option<std::thread::JoinHandle<()>>,
}

impl PeakResident {
    /// Starts sampling.
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let (done, peak) = (stop.clone(), peak_kib.clone());
        let sampler = std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(crate::resident_kib(std::process::id()), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        Self {
            stop,
            peak_kib,
            sampler: Some(sampler),
        }
    }

    /// Stops sampling; the highest resident memory seen, in KiB.
    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(sampler) = self.sampler.take() {
            let _ = sampler.join();
        }
        self.peak_kib.load(Ordering::Relaxed)
    }
}
