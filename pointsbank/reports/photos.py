"""Safe photo uploads: limits, type by content, decompression-bomb check, JPEG re-encode without metadata."""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from pointsbank.errors import Invalid

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
FORMATS = ("JPEG", "PNG", "WEBP")
GPS_IFD = 0x8825


@dataclass
class Photo:
    """A checked photo, ready to store: the re-encoded JPEG and the GPS it carried, if any."""

    data: bytes
    width: int
    height: int
    gps_lat: float | None = None
    gps_lon: float | None = None


def _read(stream: BinaryIO, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Invalid("photo_too_large", _l("Each photo must be at most %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    if not data:
        raise Invalid("not_an_image", _l("This file is not a photo (JPEG, PNG or WEBP)."))
    return data


def _ratio(value) -> float:
    if isinstance(value, tuple):
        return value[0] / value[1] if value[1] else 0.0
    return float(value)


def _gps(img: Image.Image) -> tuple[float | None, float | None]:
    """Latitude and longitude from EXIF, in degrees, or (None, None)."""
    try:
        gps = img.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
        if gps.get(1) == "S":
            lat = -lat
        if gps.get(3) == "W":
            lon = -lon
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None, None
        return round(lat, 6), round(lon, 6)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, OSError):  # broken EXIF: no location
        return None, None


def check_photo(stream: BinaryIO, *, max_bytes: int = MAX_PHOTO_BYTES) -> Photo:
    """Check one upload by its content and re-encode it as a JPEG without any metadata."""
    data = _read(stream, max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise Invalid("unsupported_image_type", _l("Only JPEG, PNG or WEBP photos are accepted."))
                if probe.width * probe.height > MAX_PIXELS:
                    raise Invalid("image_too_many_pixels", _l("This photo has too many pixels; take a smaller one."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                gps = _gps(img)
                img.load()
                img = ImageOps.exif_transpose(img)
                img = img.convert("RGB")
                img.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                img.save(out, "JPEG", quality=85, optimize=True)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Invalid("image_too_many_pixels", _l("This photo has too many pixels; take a smaller one.")) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise Invalid("not_an_image", _l("This file is not a photo (JPEG, PNG or WEBP).")) from exc
    return Photo(out.getvalue(), img.width, img.height, *gps)


def check_photos(streams: Iterable[BinaryIO], *, minimum: int = 1, maximum: int = MAX_PHOTOS) -> list[Photo]:
    """Check every upload before anything is stored: one bad photo refuses them all."""
    streams = [s for s in streams if s is not None]
    if len(streams) < minimum:
        raise Invalid("photo_required", _l("Add at least one photo."))
    if len(streams) > maximum:
        raise Invalid("too_many_photos", _l("Add at most %(n)d photos.", n=maximum))
    photos = []
    for index, stream in enumerate(streams, start=1):
        try:
            photos.append(check_photo(stream))
        except Invalid as err:
            err.details = {**err.details, "photo": index}
            raise
    return photos


def upload_dir() -> Path:
    """Where report photos are kept."""
    path = Path(current_app.config["PB_UPLOAD_DIR"]) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(photo: Photo) -> str:
    """Write a checked photo under a random name and return the name."""
    name = secrets.token_hex(16) + ".jpg"
    (upload_dir() / name).write_bytes(photo.data)
    return name


def path_of(filename: str) -> Path:
    """The file of a stored photo."""
    return upload_dir() / filename
