"""QMT Desk: start the terminal."""

import sys

from PySide6.QtWidgets import QApplication, QMainWindow


def main(argv: list[str] | None = None) -> int:
    app = QApplication(sys.argv if argv is None else argv)
    window = QMainWindow()
    window.setWindowTitle("QMT Desk")
    window.resize(1366, 768)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
