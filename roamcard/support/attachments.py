"""Checking what a traveller or staff member attaches to a message: images only, judged by
their content (never by the name or the type the browser claims), within a size limit.

Everything is checked before anything is written, so a rejected file leaves no message
behind and the writer keeps their text."""

from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import AttachmentRejected

# Pillow's format name → the type we store and serve.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
# For the file input's `accept` attribute and the help text.
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"


def max_bytes() -> int:
    return settings.SUPPORT_ATTACHMENT_MAX_BYTES


def max_files() -> int:
    return settings.SUPPORT_ATTACHMENT_MAX_FILES


@dataclass(frozen=True)
class CheckedImage:
    upload: Any  # the uploaded file, rewound
    original_name: str
    content_type: str
    size: int
    width: int
    height: int


def attachments_check(files: list[Any]) -> list[CheckedImage]:
    """Every file, checked; or AttachmentRejected naming the first file that fails and why."""
    if len(files) > max_files():
        raise AttachmentRejected(
            _("You can attach at most %(count)d images to one message.") % {"count": max_files()}
        )
    return [_check_one(upload) for upload in files]


def _check_one(upload: Any) -> CheckedImage:
    name = _display_name(getattr(upload, "name", "") or "")
    size = upload.size
    if size > max_bytes():
        raise AttachmentRejected(
            _("“%(name)s” is %(size)s; images can be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
        )
    if size == 0:
        raise AttachmentRejected(_("“%(name)s” is empty.") % {"name": name})
    content_type, width, height = _identify(upload, name)
    upload.seek(0)
    return CheckedImage(
        upload=upload,
        original_name=name,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
    )


def _identify(stream: IO[bytes], name: str) -> tuple[str, int, int]:
    wrong_type = AttachmentRejected(
        _("“%(name)s” is not an image we accept. Please attach a JPEG, PNG, WebP or GIF picture.")
        % {"name": name}
    )
    stream.seek(0)
    try:
        with Image.open(stream) as image:
            image_format = image.format
            width, height = image.size
            image.verify()  # reads the whole file: a truncated or forged one fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise wrong_type from None
    if image_format not in ACCEPTED_FORMATS:
        raise wrong_type
    if width * height > settings.SUPPORT_ATTACHMENT_MAX_PIXELS:
        raise AttachmentRejected(
            _("“%(name)s” is too large a picture (%(width)d × %(height)d pixels).")
            % {"name": name, "width": width, "height": height}
        )
    return ACCEPTED_FORMATS[image_format], width, height


def _display_name(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or _("image"))[:200]
