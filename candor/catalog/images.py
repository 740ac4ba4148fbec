"""Cover images as Candor accepts them: JPEG, PNG, GIF or WebP, told by their first
bytes (not by a name or a declared type), at most MAX_BYTES."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_BYTES = 2 * 1024 * 1024

# (magic bytes at the start, where they start, extension, content type). SVG is not
# accepted: it can carry script.
SIGNATURES = (
    (b"\xff\xd8\xff", 0, "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png", "image/png"),
    (b"GIF87a", 0, "gif", "image/gif"),
    (b"GIF89a", 0, "gif", "image/gif"),
    (b"WEBP", 8, "webp", "image/webp"),
)


def image_kind(data: bytes) -> tuple[str, str] | None:
    """(extension, content type) of a JPEG, PNG, GIF or WebP image; None for anything else."""
    for magic, offset, extension, content_type in SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF"):
            return extension, content_type
    return None


def too_big(size: int) -> ValidationError:
    return ValidationError(f"The cover is {size:,} bytes; at most {MAX_BYTES:,} are kept.")


def check_image(data: bytes) -> str:
    """The image's extension; ValidationError saying what is wrong otherwise."""
    if len(data) > MAX_BYTES:
        raise too_big(len(data))
    kind = image_kind(data)
    if kind is None:
        raise ValidationError("The cover must be a JPEG, PNG, GIF or WebP image.")
    return kind[0]


def validate_upload(upload: UploadedFile) -> None:
    """Model-field validator for an uploaded cover (the admin's file field)."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(
            f"The cover is {upload.size:,} bytes; at most {MAX_BYTES:,} are kept."
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if image_kind(head) is None:
        raise ValidationError("The cover must be a JPEG, PNG, GIF or WebP image.")


def content_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    types = {ext: kind for _, _, ext, kind in SIGNATURES}
    return {"jpeg": "image/jpeg"}.get(extension, types.get(extension, "application/octet-stream"))
