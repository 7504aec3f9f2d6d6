//! TEMP STUB
#[derive(Debug, Default, Clone)]
pub struct Sanitizer;
impl Sanitizer {
    pub fn new() -> Self {
        Self
    }
    pub fn push(&mut self, text: &str, out: &mut String) {
        out.push_str(&text.replace('\x1b', ""))
    }
    pub fn finish(&mut self, _out: &mut String) {}
}
