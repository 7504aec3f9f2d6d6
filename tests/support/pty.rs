//! The real binary in a pseudo-terminal: what it draws arrives as bytes, keys go in, and
//! the test waits for text to show. Waits are on output, never on time; the timeout only
//! guards a hang.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Waits until the terminal output contains `needle`; the timeout only guards a hang.
fn wait_for(output: &mpsc::Receiver<Vec<u8>>, seen: &mut Vec<u8>, needle: &str) {
    while !String::from_utf8_lossy(seen).contains(needle) {
        match output.recv_timeout(Duration::from_secs(15)) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => {
                panic!("never saw {needle:?}; screen so far: {}", String::from_utf8_lossy(seen))
            }
        }
    }
}

/// The real binary in a pseudo-terminal: what it draws arrives on `output`, keys go in.
pub struct Session {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
    // Dropping the pty's master side would hang up on the child.
    _pty: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    /// Starts rockchat with `args` and its data in `data_dir`, and waits for its first frame.
    pub fn start(args: &[&str], data_dir: &std::path::Path, env: &[(&str, &str)]) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize { rows: 30, cols: 160, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_rockchat"));
        command.args(args);
        command.env("ROCKCHAT_DATA_DIR", data_dir);
        command.env("HOME", data_dir);
        command.env("XDG_CONFIG_HOME", data_dir);
        command.env("TERM", "xterm-256color");
        command.env_remove("ROCKCHAT_CONFIG");
        // Inside tmux notifications are wrapped for it; the tests read them bare.
        command.env_remove("TMUX");
        // The terminal rockchat takes this to be is this harness's, which does not rewrap.
        for name in [
            "TERM_PROGRAM",
            "KITTY_WINDOW_ID",
            "WEZTERM_PANE",
            "ALACRITTY_WINDOW_ID",
            "VTE_VERSION",
            "WT_SESSION",
            "GHOSTTY_RESOURCES_DIR",
        ] {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pty.slave.spawn_command(command).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let keys = pty.master.take_writer().unwrap();
        let mut session = Session { child, keys, output, seen: Vec::new(), _pty: pty.master };
        session.wait_for("F1 help");
        session
    }

    pub fn wait_for(&mut self, needle: &str) {
        wait_for(&self.output, &mut self.seen, needle);
    }

    pub fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    /// Ctrl+D, and a clean exit; a rockchat that does not exit is killed and the test fails.
    pub fn quit(mut self) -> String {
        self.press(b"\x04");
        let mut killer = self.child.clone_killer();
        let mut child = self.child;
        let (tx, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|status| status.success()));
        });
        let seen = String::from_utf8_lossy(&self.seen).into_owned();
        match exited.recv_timeout(Duration::from_secs(15)) {
            Ok(status) => assert!(status.unwrap(), "rockchat failed; screen: {seen}"),
            Err(_) => {
                let _ = killer.kill();
                panic!("rockchat did not exit after Ctrl+D; screen: {seen}");
            }
        }
        seen
    }

    /// Ctrl+D, then everything rockchat wrote until it exited (what it leaves in the
    /// terminal on the way out included).
    pub fn quit_and_read(mut self) -> Vec<u8> {
        self.press(b"\x04");
        let mut killer = self.child.clone_killer();
        let mut child = self.child;
        let (tx, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|status| status.success()));
        });
        match exited.recv_timeout(Duration::from_secs(15)) {
            Ok(status) => assert!(status.unwrap(), "rockchat failed"),
            Err(_) => {
                let _ = killer.kill();
                panic!("rockchat did not exit after Ctrl+D");
            }
        }
        // The reader ends when the pty reports the other side closed.
        drop(self._pty);
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_secs(5)) {
            self.seen.extend(bytes);
        }
        self.seen
    }

    /// Resizes the pseudo-terminal, as a user resizing the window: rockchat gets SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        self._pty.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
    }

    /// Everything drawn so far, as text.
    pub fn seen(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }
}
