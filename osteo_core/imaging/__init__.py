"""Radiograph input and preprocessing shared by training, the pages and the command line.

Conventions (written once, used everywhere):

* **Axes**: arrays are ``(rows, columns)`` = ``(height, width)``; row 0 is the top of the image as displayed, column
  0 its left edge as stored in the file (no anatomical re-orientation). Model batches are ``(N, H, W, 1)``.
* **Intensity**: grayscale with bone bright (DICOM MONOCHROME2). ``read_radiograph`` returns ``uint8`` 0–255;
  ``prepare_for_model`` returns ``float32`` in ``[0, 1]``. Models rescale internally as they need.
"""
