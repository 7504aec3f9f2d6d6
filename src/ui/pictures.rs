//! Images drawn in the transcript: how many rows each takes, and the drawn images.
//!
//! The rows come from the image's size in pixels (read from its header when it was
//! attached) and the terminal's cell size, capped at [`MAX_ROWS`] and the pane's width, so a
//! message's height is known without decoding anything. Decoding, scaling and encoding for
//! the terminal's protocol (kitty, iTerm2, sixel, or half blocks) happen on a thread of
//! their own; the results are kept in a small cache ([`KEPT`] images). Drawing only reads
//! what is ready: a box that is not drawn yet stays empty under the image's labelled line,
//! and `ready` is called when it can be drawn, for the screen to draw again.
//!
//! Never decodes, scales or encodes on the caller's thread, and never asks the terminal
//! anything: how the terminal draws images is decided by the driver (`term::graphics`).

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::style::Style;
use ratatui::widgets::Widget;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use ratatui_image::{FilterType, Resize};

use crate::chat::attachment::{MAX_DRAWN_PIXELS, MAX_DRAWN_SIDE, Picture};

/// The most rows an image takes: enough to see what it is, not a screenful.
pub const MAX_ROWS: u16 = 16;

/// Drawn images kept; an image scrolled back to after more were drawn is decoded again.
pub const KEPT: usize = 16;

/// Decoding allocates no more than this (image's own guard, after the size check).
const MAX_DECODE_BYTES: u64 = MAX_DRAWN_PIXELS * 4 + 64 * 1024 * 1024;

/// How the terminal draws images, as the driver found out.
#[derive(Clone)]
pub struct Graphics {
    pub picker: Picker,
    /// A cell's width and height in pixels.
    pub cell: (u16, u16),
}

impl std::fmt::Debug for Graphics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Graphics({:?}, cell {:?})", self.picker.protocol_type(), self.cell)
    }
}

impl Graphics {
    /// Half blocks: drawn with coloured `▀` cells, which need nothing of the terminal but
    /// colours. The cell is taken as twice as tall as wide, as the blocks assume.
    pub fn blocks() -> Self {
        let picker = Picker::halfblocks();
        let font = picker.font_size();
        Self { picker, cell: (font.width, font.height) }
    }
}

/// An image's box in the transcript: which image, and its size in cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub key: u64,
    pub cols: u16,
    pub rows: u16,
}

/// Where the drawn images come from: nothing when images are off (the labelled line only),
/// or the graphics and the cache of drawn images, shared with the thread that draws them.
#[derive(Clone, Default)]
pub struct Pictures {
    shared: Option<Arc<Shared>>,
}

impl std::fmt::Debug for Pictures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.shared {
            Some(shared) => write!(f, "Pictures({:?})", shared.graphics),
            None => write!(f, "Pictures(off)"),
        }
    }
}

struct Shared {
    graphics: Graphics,
    cache: Mutex<Cache>,
    /// The drawing thread's queue, started with the first image asked for.
    jobs: Mutex<Option<Sender<Job>>>,
    ready: Box<dyn Fn() + Send + Sync>,
}

#[derive(Default)]
struct Cache {
    slots: HashMap<Key, Slot>,
    /// Moves with every image shown, to know which was shown longest ago.
    clock: u64,
}

type Key = (u64, u16, u16);

enum Slot {
    Pending,
    Ready { image: Arc<Protocol>, used: u64 },
    Failed { reason: String, used: u64 },
}

struct Job {
    key: Key,
    bytes: Arc<[u8]>,
}

/// What a frame can draw of an image now.
pub enum Shown {
    /// Being decoded: the box stays empty.
    Pending,
    Ready(Arc<Protocol>),
    /// Could not be drawn, and why.
    Failed(String),
}

impl Pictures {
    /// Images drawn with `graphics`; `ready` is called (on the drawing thread) each time
    /// an image is ready to be drawn.
    pub fn new(graphics: Graphics, ready: impl Fn() + Send + Sync + 'static) -> Self {
        let shared = Shared {
            graphics,
            cache: Mutex::default(),
            jobs: Mutex::default(),
            ready: Box::new(ready),
        };
        Self { shared: Some(Arc::new(shared)) }
    }

    pub fn is_on(&self) -> bool {
        self.shared.is_some()
    }

    /// The box for `picture` in a pane `width` cells wide, or why it is not drawn; `None`
    /// when images are off.
    pub fn frame(&self, picture: &Picture, width: usize) -> Option<Result<Frame, String>> {
        let shared = self.shared.as_ref()?;
        Some(picture.size.clone().map(|size| {
            let (cols, rows) = cells(size, shared.graphics.cell, width);
            Frame { key: picture.key, cols, rows }
        }))
    }

    /// What can be drawn of `frame`'s image now; the first time it is asked for, its bytes
    /// go to the drawing thread.
    pub fn show(&self, frame: &Frame, bytes: &Arc<[u8]>) -> Shown {
        let Some(shared) = &self.shared else { return Shown::Pending };
        let key = (frame.key, frame.cols, frame.rows);
        let mut cache = shared.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.clock += 1;
        let now = cache.clock;
        match cache.slots.get_mut(&key) {
            Some(Slot::Pending) => return Shown::Pending,
            Some(Slot::Ready { image, used }) => {
                *used = now;
                return Shown::Ready(image.clone());
            }
            Some(Slot::Failed { reason, used }) => {
                *used = now;
                return Shown::Failed(reason.clone());
            }
            None => {}
        }
        cache.slots.insert(key, Slot::Pending);
        drop(cache);
        if !shared.send(Job { key, bytes: bytes.clone() }) {
            let reason = "the thread that draws images stopped".to_owned();
            shared.finish(key, Err(reason.clone()));
            return Shown::Failed(reason);
        }
        Shown::Pending
    }

    /// Images being decoded.
    pub fn pending(&self) -> usize {
        let Some(shared) = &self.shared else { return 0 };
        let cache = shared.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.slots.values().filter(|slot| matches!(slot, Slot::Pending)).count()
    }

    /// Images drawn and kept (tests check the bound).
    pub fn kept(&self) -> usize {
        let Some(shared) = &self.shared else { return 0 };
        let cache = shared.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.slots.values().filter(|slot| !matches!(slot, Slot::Pending)).count()
    }
}

impl Shared {
    /// Queues `job` for the drawing thread, starting it if needed; false if it is gone.
    fn send(self: &Arc<Self>, job: Job) -> bool {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if jobs.is_none() {
            let (sender, receiver) = channel();
            // The thread holds the cache weakly: it ends when the screen is dropped.
            let weak = Arc::downgrade(self);
            let started = std::thread::Builder::new()
                .name("images".into())
                .spawn(move || draw_images(&receiver, &weak));
            if started.is_err() {
                return false;
            }
            *jobs = Some(sender);
        }
        jobs.as_ref().is_some_and(|sender| sender.send(job).is_ok())
    }

    fn finish(&self, key: Key, result: Result<Protocol, String>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let used = cache.clock;
        let slot = match result {
            Ok(image) => Slot::Ready { image: Arc::new(image), used },
            Err(reason) => Slot::Failed { reason, used },
        };
        cache.slots.insert(key, slot);
        // The images shown longest ago go first; those being decoded are never counted.
        loop {
            let done = cache.slots.iter().filter_map(|(key, slot)| match slot {
                Slot::Pending => None,
                Slot::Ready { used, .. } | Slot::Failed { used, .. } => Some((*used, *key)),
            });
            let (count, oldest) =
                done.fold((0, None), |(count, oldest): (usize, Option<(u64, Key)>), entry| {
                    (count + 1, Some(oldest.map_or(entry, |old| old.min(entry))))
                });
            match oldest {
                Some((_, victim)) if count > KEPT => cache.slots.remove(&victim),
                _ => break,
            };
        }
    }
}

fn draw_images(jobs: &Receiver<Job>, shared: &std::sync::Weak<Shared>) {
    while let Ok(job) = jobs.recv() {
        let Some(shared) = shared.upgrade() else { return };
        let size = Size::new(job.key.1, job.key.2);
        let result = decode(&job.bytes).and_then(|image| {
            let resize = Resize::Fit(Some(FilterType::Triangle));
            shared.graphics.picker.new_protocol(image, size, resize).map_err(|e| e.to_string())
        });
        let result = result.map_err(|error| crate::sanitize::one_line(&error, 120).into_owned());
        shared.finish(job.key, result);
        (shared.ready)();
    }
}

/// The image in `bytes`, decoded within the size and memory bounds.
fn decode(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| error.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DRAWN_SIDE);
    limits.max_image_height = Some(MAX_DRAWN_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode().map_err(|error| error.to_string())
}

/// The cells an image of `size` pixels takes with cells of `cell` pixels: its own size,
/// scaled down (never up) to fit `width` columns and [`MAX_ROWS`] rows.
pub fn cells(size: (u32, u32), cell: (u16, u16), width: usize) -> (u16, u16) {
    let (cell_w, cell_h) = (f64::from(cell.0.max(1)), f64::from(cell.1.max(1)));
    let natural_cols = f64::from(size.0) / cell_w;
    let natural_rows = f64::from(size.1) / cell_h;
    let max_cols = width.clamp(1, usize::from(u16::MAX)) as f64;
    let scale = (max_cols / natural_cols).min(f64::from(MAX_ROWS) / natural_rows).min(1.0);
    let cols = (natural_cols * scale).ceil().clamp(1.0, max_cols);
    let rows = (natural_rows * scale).ceil().clamp(1.0, f64::from(MAX_ROWS));
    // Within the clamps above, so the conversions cannot truncate.
    (cols as u16, rows as u16)
}

/// Draws what there is of an image into its box `area`: the image when it is ready, why it
/// is not drawn (on the box's first row, up to `width` cells) when it failed, nothing while
/// it is decoded.
pub fn draw(shown: Shown, area: Rect, width: u16, buf: &mut Buffer, dim: Style) {
    match shown {
        Shown::Pending => {}
        Shown::Ready(image) => ratatui_image::Image::new(&image).render(area, buf),
        Shown::Failed(reason) => {
            let text = format!("not drawn: {reason}");
            buf.set_stringn(area.x, area.y, text, width.into(), dim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_kept_images_are_kept_the_one_shown_longest_ago_goes_first() {
        let (ready, told) = channel();
        let pictures = Pictures::new(Graphics::blocks(), move || {
            let _ = ready.send(());
        });
        let png = |shade: u8| {
            let image = image::RgbImage::from_pixel(4, 4, image::Rgb([shade, 0, 0]));
            let mut bytes = std::io::Cursor::new(Vec::new());
            image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
            Arc::<[u8]>::from(bytes.into_inner())
        };
        let frame = |key| Frame { key, cols: 1, rows: 1 };
        for key in 0..KEPT as u64 + 4 {
            assert!(matches!(pictures.show(&frame(key), &png(key as u8)), Shown::Pending));
            told.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
            assert!(matches!(pictures.show(&frame(key), &png(key as u8)), Shown::Ready(_)));
            // The first stays in use, so it is never the one shown longest ago.
            assert!(!matches!(pictures.show(&frame(0), &png(0)), Shown::Pending));
        }
        assert_eq!((pictures.kept(), pictures.pending()), (KEPT, 0));
        assert!(matches!(pictures.show(&frame(0), &png(0)), Shown::Ready(_)));
        assert!(matches!(pictures.show(&frame(1), &png(1)), Shown::Pending));
    }

    #[test]
    fn an_image_takes_its_own_cells_scaled_down_to_fit_never_up() {
        // 10×20-pixel cells.
        assert_eq!(cells((100, 100), (10, 20), 80), (10, 5));
        assert_eq!(cells((1, 1), (10, 20), 80), (1, 1));
        // Too tall: MAX_ROWS rows, the width scaled alike.
        assert_eq!(cells((400, 1600), (10, 20), 80), (8, MAX_ROWS));
        // Too wide: the pane's width.
        assert_eq!(cells((4000, 200), (10, 20), 40), (40, 1));
        assert_eq!(cells((u32::MAX, u32::MAX), (0, 0), 0), (1, 1));
    }
}
