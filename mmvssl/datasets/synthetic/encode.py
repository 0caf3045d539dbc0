"""H.264 / mp4 writing with PyAV (the ``av`` wheels bundle FFmpeg + libx264,
so no system ffmpeg is needed).

Determinism: one encoder thread per file and x264's macroblock-tree rate
control switched off (``mbtree=0``). With mbtree on, the same frames encoded
in different processes gave different bitstreams now and then (measured with
PyAV 18.1.0); without it, a fixed PyAV build writes byte-identical files for
identical frames.
"""
import os

X264_PARAMS = 'mbtree=0'


class H264Writer:
    """Write RGB uint8 frames to an H.264 mp4 (yuv420p, constant frame rate).

    Args:
        path (str): output file.
        fps (int): frame rate.
        width, height (int): frame size (even numbers for yuv420p).
        crf (int): x264 constant rate factor (lower = better quality).
        preset (str): x264 speed preset.
    """

    def __init__(self, path, fps, width, height, crf=18,
                 preset='veryfast'):
        import av
        self._av = av
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.container = av.open(path, mode='w')
        stream = self.container.add_stream('libx264', rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.thread_count = 1
        stream.options = {
            'crf': str(crf),
            'preset': preset,
            'threads': '1',
            'x264-params': X264_PARAMS,
        }
        self.stream = stream

    def write(self, frame):
        vf = self._av.VideoFrame.from_ndarray(frame, format='rgb24')
        for packet in self.stream.encode(vf):
            self.container.mux(packet)

    def close(self):
        if self.container is None:
            return
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        self.container = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
