"""Uploaded photos and PDFs: checked by content, cleaned, stored outside the static folder.

Files live under `<instance>/uploads/<key>` where `key` is random; the original name is kept only
as data. Images are decoded and re-encoded (EXIF rotation applied, every metadata block — EXIF,
GPS, comments — dropped), so what is served is pixels we wrote ourselves.
"""
import io
import os
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

from .domain.errors import DomainError

IMAGE = "image"
PDF = "pdf"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Larger than any phone photo (a 200-megapixel sensor is 16320 x 12240); refuse anything bigger.
MAX_PIXELS = 200_000_000
THUMB_SIZE = (320, 320)

JPEG_MIME = "image/jpeg"
PNG_MIME = "image/png"
PDF_MIME = "application/pdf"

_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredFile:
    key: str
    mime: str
    size: int
    original_name: str


def sniff(head: bytes) -> str | None:
    """The MIME type the content's leading bytes announce (JPEG, PNG, PDF), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG_MIME
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG_MIME
    if head.startswith(b"%PDF-"):
        return PDF_MIME
    return None


def _allowed_text(kinds) -> str:
    parts = []
    if IMAGE in kinds:
        parts.append("照片（JPG、PNG）")
    if PDF in kinds:
        parts.append("PDF文件")
    return "或".join(parts)


def clean_name(name: str) -> str:
    """The file's own name without any folder part or control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-200:] or "未命名文件"


def uploads_dir() -> Path:
    """`UPLOAD_FOLDER` if configured (tests), else `<instance>/uploads`."""
    path = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(key: str) -> Path:
    """Where the file with `key` is stored; a key that is not one of ours is refused."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("invalid upload key")
    return uploads_dir() / key


def _thumb_path(key: str) -> Path:
    folder = uploads_dir() / "thumbs"
    folder.mkdir(exist_ok=True)
    return folder / f"{upload_path(key).name}.jpg"


def _open_image(data: bytes) -> Image.Image:
    """Decode fully, refusing decompression bombs and damaged files with a clear message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise DomainError("图片像素过大（超过2亿像素），请缩小后再上传。", "files")
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError("图片像素过大，可能是异常文件，请缩小后再上传。", "files") from None
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise DomainError("图片文件已损坏或不完整，无法读取。请重新拍摄或导出后再上传。", "files") from None
    return img


def _clean_image(data: bytes, mime: str) -> bytes:
    """Rotate by EXIF, then rebuild the image from its pixels alone and encode it again."""
    img = _open_image(data)
    try:
        img = ImageOps.exif_transpose(img)
    except (OSError, SyntaxError, ValueError):
        pass  # unreadable orientation: keep the pixels as stored
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    mode = "RGBA" if (mime == PNG_MIME and has_alpha) else "RGB"
    img = img.convert(mode)
    # A fresh image from raw pixels carries no EXIF, GPS, XMP, ICC or text chunks.
    bare = Image.frombytes(mode, img.size, img.tobytes())
    out = io.BytesIO()
    if mime == JPEG_MIME:
        bare.save(out, format="JPEG", quality=85, optimize=True)
    else:
        bare.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _write(data: bytes) -> str:
    key = secrets.token_hex(16)
    path = upload_path(key)
    tmp = path.with_name(f"{key}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return key


def store_upload(file_storage, kinds=(IMAGE, PDF), max_bytes: int = DEFAULT_MAX_BYTES) -> StoredFile:
    """Check an uploaded file by its content and size, clean it, store it; return what was stored."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise DomainError("请选择要上传的文件。", "files")
    name = clean_name(file_storage.filename)
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(f"文件“{name}”超过{max_bytes // (1024 * 1024)} MB，请压缩后再上传。", "files")
    if not data:
        raise DomainError(f"文件“{name}”是空的。", "files")
    mime = sniff(data[:16])
    is_image = mime in (JPEG_MIME, PNG_MIME)
    if mime is None or (is_image and IMAGE not in kinds) or (mime == PDF_MIME and PDF not in kinds):
        raise DomainError(
            f"文件“{name}”的内容不是{_allowed_text(kinds)}，不能上传（按文件内容检查，与扩展名无关）。", "files"
        )
    if is_image:
        data = _clean_image(data, mime)
    return StoredFile(key=_write(data), mime=mime, size=len(data), original_name=name)


def thumbnail(key: str, size: tuple[int, int] = THUMB_SIZE) -> Path:
    """A small JPEG of the stored image `key`, made once and kept beside the uploads."""
    path = _thumb_path(key)
    if path.exists():
        return path
    source = upload_path(key)
    with source.open("rb") as fh:
        head = fh.read(16)
    if sniff(head) not in (JPEG_MIME, PNG_MIME):
        raise DomainError("只有照片有缩略图。")
    img = _open_image(source.read_bytes())
    img.thumbnail(size)
    if img.mode != "RGB":
        background = Image.new("RGB", img.size, "white")
        rgba = img.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        img = background
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    tmp = path.with_name(f"{path.name}.part")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, path)
    return path


def discard(key: str) -> None:
    """Remove a stored file and its thumbnail (when the record that named it was not saved)."""
    for path in (upload_path(key), _thumb_path(key)):
        path.unlink(missing_ok=True)
