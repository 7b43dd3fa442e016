"""Synthetic radiographs and hand-made image files for the tests (no real data)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

from tests.tiny_models import KL_SIZE as SIZE

__all__ = ["SIZE", "dicom_bytes", "encode", "png_header_only", "synthetic_knee"]


def synthetic_knee(size: int = 256, seed: int = 0) -> np.ndarray:
    """A gray, radiograph-like uint8 image: dark background, two bright 'bones' with a gap, noise."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size), 30, dtype=np.float32)
    image[: size // 2 - 8, size // 4: 3 * size // 4] = 170
    image[size // 2 + 8:, size // 4: 3 * size // 4] = 160
    image += rng.normal(0, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, suffix: str = ".png") -> bytes:
    """The image encoded as a file of type ``suffix`` (OpenCV)."""
    import cv2

    ok, buffer = cv2.imencode(suffix, image)
    assert ok
    return buffer.tobytes()


def dicom_bytes(pixels: np.ndarray, photometric: str = "MONOCHROME2", frames: int = 1, with_pixels=True) -> bytes:
    """A small DICOM file (12-bit in 16) holding ``pixels``; ``with_pixels=False`` leaves PixelData out."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = FileDataset("x.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientAge, ds.PatientSex = "067Y", "F"
    ds.Rows, ds.Columns = pixels.shape[-2:]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    if with_pixels:
        ds.PixelData = pixels.astype(np.uint16).tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` but holds almost no pixel data (a decompression-bomb probe)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b"")
