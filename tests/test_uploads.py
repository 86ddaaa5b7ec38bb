"""partyorg.uploads: content checks, cleaning of photos, size limits, thumbnails."""
import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from partyorg import uploads
from partyorg.domain.errors import DomainError

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def jpeg_with_gps(size=(60, 30), orientation=None) -> bytes:
    img = Image.new("RGB", size, (200, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 48.0, 0.0), 3: "E", 4: (98.0, 17.0, 0.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(30, 20), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "blue").save(out, "PNG")
    return out.getvalue()


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_jpeg_is_stored_outside_static_without_exif_or_gps(app, upload_folder):
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    stored = uploads.store_upload(fs(original, "现场照片.jpg"))
    assert stored.mime == "image/jpeg"
    assert stored.original_name == "现场照片.jpg"
    path = uploads.upload_path(stored.key)
    assert path.parent == upload_folder
    assert "static" not in str(path)
    assert stored.key not in ("现场照片.jpg",) and len(stored.key) == 32
    data = path.read_bytes()
    assert stored.size == len(data)
    assert b"PhoneMaker" not in data
    cleaned = Image.open(io.BytesIO(data))
    assert not cleaned.getexif()
    assert not cleaned.getexif().get_ifd(GPS_IFD)


def test_exif_rotation_is_applied_before_the_exif_is_dropped(app):
    # Orientation 6: the camera held sideways; the picture is shown turned 90 degrees.
    stored = uploads.store_upload(fs(jpeg_with_gps((60, 30), orientation=6), "a.jpg"))
    with Image.open(uploads.upload_path(stored.key)) as img:
        assert img.size == (30, 60)


def test_png_keeps_its_kind_and_transparency(app):
    stored = uploads.store_upload(fs(png_bytes(mode="RGBA"), "图.png"))
    assert stored.mime == "image/png"
    with Image.open(uploads.upload_path(stored.key)) as img:
        assert img.mode == "RGBA"


def test_pdf_is_accepted_by_content_and_stored_as_is(app):
    stored = uploads.store_upload(fs(MINIMAL_PDF, "签到表.pdf"))
    assert stored.mime == "application/pdf"
    assert uploads.upload_path(stored.key).read_bytes() == MINIMAL_PDF


def test_name_extension_does_not_matter_only_content(app):
    stored = uploads.store_upload(fs(png_bytes(), "scan.pdf"))
    assert stored.mime == "image/png"
    with pytest.raises(DomainError, match="内容不是"):
        uploads.store_upload(fs(b"just some text, not a photo", "photo.jpg"))


@pytest.mark.parametrize("data", [b"GIF89a......", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"PK\x03\x04zip"])
def test_other_formats_are_refused(app, data):
    with pytest.raises(DomainError) as err:
        uploads.store_upload(fs(data, "x.jpg"))
    assert "照片（JPG、PNG）或PDF文件" in err.value.message


def test_kinds_limit_what_is_accepted(app):
    with pytest.raises(DomainError, match="不是PDF文件"):
        uploads.store_upload(fs(png_bytes(), "a.png"), kinds=("pdf",))
    with pytest.raises(DomainError, match=r"不是照片（JPG、PNG），"):
        uploads.store_upload(fs(MINIMAL_PDF, "a.pdf"), kinds=("image",))


def test_oversized_and_empty_files_are_refused(app, upload_folder):
    big = MINIMAL_PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(DomainError, match="超过10 MB"):
        uploads.store_upload(fs(big, "big.pdf"))
    with pytest.raises(DomainError, match="是空的"):
        uploads.store_upload(fs(b"", "empty.pdf"))
    with pytest.raises(DomainError, match="请选择"):
        uploads.store_upload(None)
    assert not any(upload_folder.glob("*")) if upload_folder.exists() else True


def test_exactly_the_limit_is_accepted(app):
    data = MINIMAL_PDF + b"0" * (1024 - len(MINIMAL_PDF))
    assert uploads.store_upload(fs(data, "a.pdf"), max_bytes=1024).size == 1024


def test_corrupted_image_gets_a_clear_message(app):
    data = jpeg_with_gps()
    broken = data[: len(data) // 2]
    with pytest.raises(DomainError, match="已损坏"):
        uploads.store_upload(fs(broken, "broken.jpg"))
    with pytest.raises(DomainError, match="已损坏"):
        uploads.store_upload(fs(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png"))


def test_decompression_bomb_is_refused(app, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)
    with pytest.raises(DomainError, match="像素过大"):
        uploads.store_upload(fs(png_bytes((20, 20)), "bomb.png"))
    monkeypatch.setattr(uploads, "MAX_PIXELS", 10**9)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(DomainError, match="像素过大"):
        uploads.store_upload(fs(png_bytes((20, 20)), "bomb.png"))


def test_names_lose_folders_and_control_characters(app):
    stored = uploads.store_upload(fs(MINIMAL_PDF, "..\\..\\etc/pass\x00wd.pdf"))
    assert stored.original_name == "passwd.pdf"
    assert uploads.clean_name("") == "未命名文件"


def test_upload_path_refuses_keys_that_are_not_ours(app):
    for key in ("../secret_key", "a" * 31, "A" * 32, ""):
        with pytest.raises(ValueError):
            uploads.upload_path(key)


def test_thumbnail_is_a_small_jpeg_made_once(app):
    big = io.BytesIO()
    Image.new("RGBA", (1200, 800), (0, 0, 255, 128)).save(big, "PNG")
    stored = uploads.store_upload(fs(big.getvalue(), "big.png"))
    path = uploads.thumbnail(stored.key)
    with Image.open(path) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 320
    assert uploads.thumbnail(stored.key) == path
    pdf = uploads.store_upload(fs(MINIMAL_PDF, "a.pdf"))
    with pytest.raises(DomainError, match="只有照片"):
        uploads.thumbnail(pdf.key)


def test_discard_removes_file_and_thumbnail(app):
    stored = uploads.store_upload(fs(png_bytes(), "a.png"))
    thumb = uploads.thumbnail(stored.key)
    uploads.discard(stored.key)
    assert not uploads.upload_path(stored.key).exists()
    assert not thumb.exists()
