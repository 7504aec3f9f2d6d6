//! Telling a server that cannot take images from one that failed: llama-server without a
//! vision projector answers `500 image input is not supported - hint: … mmproj`, vLLM and
//! OpenAI a 400 about image or content parts, Ollama a 500 about "image input". Retrying
//! any of these sends the same image to the same model and fails the same way.

/// Whether an error status and the server's message say the model cannot take images.
pub fn refuses_images(status: u16, message: &str) -> bool {
    if !matches!(status, 400 | 415 | 422 | 500 | 501) {
        return false;
    }
    let message = message.to_ascii_lowercase();
    const SAID: &[&str] = &[
        "image input is not supported",
        "missing data required for image input",
        "does not support image",
        "doesn't support image",
        "not a multimodal model",
        "image_url is only supported",
        "vision is not supported",
        "images are not supported",
    ];
    SAID.iter().any(|said| message.contains(said))
        || (status != 500 && message.contains("content part") && message.contains("image"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_saying_they_cannot_see_images_are_told_apart_from_failures() {
        let llama = "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj";
        assert!(refuses_images(500, llama));
        assert!(refuses_images(
            400,
            "Invalid content type. image_url is only supported by certain models."
        ));
        assert!(refuses_images(
            400,
            "Unsupported content part type image_url for a text-only model"
        ));
        assert!(!refuses_images(500, "out of memory"));
        assert!(!refuses_images(503, llama), "a 503 is the server being away");
    }
}
