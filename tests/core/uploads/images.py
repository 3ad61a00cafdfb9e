"""Images built in memory for the upload tests, with the metadata a phone would add."""

import io
import struct
import zlib

from PIL import Image, ImageCms, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
GPS_LATITUDE = 2
# The Frauenkirche: a position that must not leak out of a citizen's photo.
GPS = {1: "N", 2: (51.0, 3.0, 7.0), 3: "E", 4: (13.0, 44.0, 30.0)}


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = dict(GPS)
    return exif


def two_colour_image(size=(64, 32), left=(220, 20, 20), right=(20, 20, 220)) -> Image.Image:
    """Left half one colour, right half another, so that a rotation can be seen."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def jpeg_bytes(image=None, *, orientation: int = 1, **save_args) -> bytes:
    image = image if image is not None else two_colour_image()
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        exif=exif_with_gps(orientation).tobytes(),
        comment=b"taken at home, Musterstrasse 1",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>',
        **save_args,
    )
    return buffer.getvalue()


def png_bytes(image=None, *, orientation: int = 1) -> bytes:
    image = image if image is not None else two_colour_image()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Erika Mustermann")
    info.add_itxt("Comment", "Zuhause in der Neustadt", lang="de")
    info.add_text("Location", "51.05,13.74", zip=True)
    buffer = io.BytesIO()
    image.save(
        buffer,
        "PNG",
        pnginfo=info,
        exif=exif_with_gps(orientation).tobytes(),
        icc_profile=srgb_profile(),
    )
    return buffer.getvalue()


def webp_bytes(image=None) -> bytes:
    image = image if image is not None else two_colour_image()
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", exif=exif_with_gps().tobytes(), quality=90)
    return buffer.getvalue()


def noisy_jpeg(size=(600, 400)) -> bytes:
    """A photo-like JPEG: noise does not compress, so truncating it loses real data."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size in a few bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
