//! TEMP STUB (helper replaces)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SseError {
    #[error("the server sent a line longer than {limit} bytes")]
    LineTooLong { limit: usize },
}
#[derive(Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    data: String,
    saw: bool,
}
impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_owned();
            if line.is_empty() {
                if !self.data.is_empty() {
                    out.push(SseEvent {
                        event: None,
                        data: std::mem::take(&mut self.data)
                            .trim_end_matches('\n')
                            .to_owned(),
                    });
                }
                continue;
            }
            if let Some(d) = line.strip_prefix("data:") {
                self.saw = true;
                self.data.push_str(d.strip_prefix(' ').unwrap_or(d));
                self.data.push('\n');
            }
            if line.starts_with(':') {
                self.saw = true;
            }
        }
        Ok(out)
    }
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        Ok(None)
    }
    pub fn saw_sse_line(&self) -> bool {
        self.saw
    }
}
