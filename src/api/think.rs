//! TEMP STUB
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Split {
    pub content: String,
    pub reasoning: String,
}
#[derive(Debug, Default, Clone)]
pub struct ThinkSplitter;
impl ThinkSplitter {
    pub fn new() -> Self {
        Self
    }
    pub fn push(&mut self, d: &str) -> Split {
        Split {
            content: d.into(),
            reasoning: String::new(),
        }
    }
    pub fn finish(&mut self) -> Split {
        Split::default()
    }
}
