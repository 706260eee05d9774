"""Files to attach in the support tests: real images made with Pillow, and impostors."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_upload(
    name: str = "screenshot.png", size: tuple[int, int] = (40, 30)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def fake_image_upload(name: str = "invoice.png") -> SimpleUploadedFile:
    """A PDF that claims to be a PNG."""
    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj <<>> endobj\n", content_type="image/png")


def oversized_upload(name: str = "huge.png", size: int = 6 * 1024 * 1024) -> SimpleUploadedFile:
    """A real PNG header followed by padding, over the 5 MB limit."""
    head = png_upload().read()
    return SimpleUploadedFile(name, head + b"\0" * (size - len(head)), content_type="image/png")
