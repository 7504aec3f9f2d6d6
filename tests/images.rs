//! Images drawn in the transcript: the rows they take, the labelled line when they are off
//! or cannot be drawn, and the decode off the UI thread (a frame drawn before it is done
//! shows the empty box, one after shows the image). Drawn with half blocks, which need no
//! terminal support and so draw the same here as anywhere.

use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::app::state::Target;
use rockchat::app::{Msg, State, update};
use rockchat::chat::attachment::Attachment;
use rockchat::ui::Screen;
use rockchat::ui::pictures::{Graphics, Pictures};

const WIDTH: u16 = 60;
const HEIGHT: u16 = 16;

fn new_state() -> State {
    let target = Target { provider: "rockapi".into(), model: "gpt-4o-mini".into() };
    let mut state = State::new(target, String::new(), false);
    update(&mut state, Msg::Resize(WIDTH, HEIGHT));
    state
}

/// A PNG of `width` × `height` pixels, a gradient so every half block differs.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, 128])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// `state` with a prompt that carries the image `bytes` as `name`.
fn with_image(state: &mut State, name: &str, bytes: Vec<u8>) {
    with_images(state, &[(name, bytes)]);
}

fn with_images(state: &mut State, images: &[(&str, Vec<u8>)]) {
    for (name, bytes) in images {
        let image = Attachment::from_bytes((*name).into(), bytes.clone()).unwrap();
        update(state, Msg::Attached { result: Ok(image), paste: None });
    }
    update(state, Msg::Paste("what is this?".into()));
    update(state, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
}

/// A screen drawing with half blocks, and what it is told when an image is ready.
fn blocks_screen() -> (Screen, Receiver<()>) {
    let (ready, told) = channel();
    let mut screen = Screen::default();
    screen.set_pictures(Pictures::new(Graphics::blocks(), move || {
        let _ = ready.send(());
    }));
    (screen, told)
}

fn draw(state: &mut State, screen: &mut Screen) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut shown = None;
    terminal.draw(|frame| shown = Some(screen.draw(state, frame))).unwrap();
    update(state, Msg::Shown(shown.unwrap()));
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..HEIGHT)
        .map(|y| {
            let row: String = (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect();
            row.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn wait(told: &Receiver<()>) {
    told.recv_timeout(Duration::from_secs(30)).expect("the image was decoded");
}

#[test]
fn an_image_takes_known_rows_shows_an_empty_box_until_decoded_then_the_image() {
    let mut state = new_state();
    // 80×120 pixels in 10×20-pixel cells: 8 columns, 6 rows.
    with_image(&mut state, "cat.png", png(80, 120));
    let (mut screen, told) = blocks_screen();
    let before = draw(&mut state, &mut screen);
    insta::assert_snapshot!("image_box_before_decode", text(&before));
    wait(&told);
    let after = draw(&mut state, &mut screen);
    insta::assert_snapshot!("image_drawn_with_half_blocks", text(&after));
    // The box's rows did not move: the prompt's text is on the same row before and after.
    let row_of = |t: &str| t.lines().position(|l| l.contains("what is this?"));
    assert_eq!(row_of(&text(&before)), row_of(&text(&after)));
    // The image's own colours, not the theme's.
    let cell = &after.backend().buffer()[(2, 2)];
    assert!(matches!(cell.fg, ratatui::style::Color::Rgb(..)), "{cell:?}");
}

#[test]
fn images_off_keep_the_labelled_line() {
    let mut state = new_state();
    with_image(&mut state, "cat.png", png(80, 120));
    let mut screen = Screen::default();
    let drawn = text(&draw(&mut state, &mut screen));
    insta::assert_snapshot!("image_off_labelled_line", drawn);
}

#[test]
fn a_broken_image_says_why_in_its_box_and_nothing_panics() {
    let mut state = new_state();
    // A PNG whose header reads but whose pixels were cut off.
    let mut cut = png(80, 120);
    cut.truncate(cut.len() / 2);
    // Not an image past its magic bytes at all.
    let junk = b"\x89PNG\r\n\x1a\nthis is not a png".to_vec();
    with_images(&mut state, &[("cut.png", cut), ("junk.png", junk)]);
    let (mut screen, told) = blocks_screen();
    draw(&mut state, &mut screen);
    wait(&told);
    let drawn = text(&draw(&mut state, &mut screen));
    insta::assert_snapshot!("image_broken", drawn);
    assert!(drawn.contains("junk.png, 25 B (not drawn:"), "{drawn}");
    assert!(drawn.contains("  not drawn: "), "{drawn}");
}

#[test]
fn a_huge_image_is_never_decoded_its_line_says_it_is_too_large() {
    let mut state = new_state();
    // A real PNG header for 100,000 × 100,000 pixels (40 GB as RGBA); no pixel data.
    with_image(&mut state, "huge.png", png_header(100_000, 100_000));
    let (mut screen, _told) = blocks_screen();
    let drawn = text(&draw(&mut state, &mut screen));
    assert!(drawn.contains("huge.png, 45 B (not drawn: 100000×100000 pixels"), "{drawn}");
    assert!(drawn.contains("is too large to draw)"), "{drawn}");
    // Nothing was sent to be decoded.
    assert_eq!(screen.transcript().pictures().kept(), 0);
}

/// A PNG's signature and IHDR chunk (8-bit RGB) for a `width` × `height` image, then an
/// empty IDAT: a header that reads, and no pixels.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut header = b"IHDR".to_vec();
    header.extend(width.to_be_bytes());
    header.extend(height.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [header, b"IDAT".to_vec()] {
        bytes.extend((chunk.len() as u32 - 4).to_be_bytes());
        bytes.extend(&chunk);
        bytes.extend(crc32(&chunk).to_be_bytes());
    }
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
