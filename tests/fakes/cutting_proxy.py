"""A TCP proxy that counts the bytes clients send, and can cut once.

Put between a client and a server, it forwards both ways. Once the
clients have sent ``cut_after`` bytes in all, it closes the connection
carrying that byte, once: the client sees a broken connection in the
middle of a request, as on a real network.
"""

import socket
import threading


class CuttingProxy:

    def __init__(self, target_host, target_port, cut_after=None):
        self.target = (target_host, target_port)
        self.cut_after = cut_after
        self.bytes_up = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def close(self):
        self._closed = True
        self._listener.close()

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, True),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False),
                             daemon=True).start()

    def _should_cut(self, size):
        with self._lock:
            self.bytes_up += size
            if (self.cut_after is not None and not self.cuts
                    and self.bytes_up >= self.cut_after):
                self.cuts += 1
                return True
            return False

    def _pipe(self, source, sink, upstream):
        try:
            while True:
                data = source.recv(256 * 1024)
                if not data:
                    break
                if upstream and self._should_cut(len(data)):
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
