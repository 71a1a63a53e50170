#pragma once
// Light and dark palettes. "System" keeps the platform's palette (and follows it when the
// desktop switches); Light and Dark force Fusion with our own palettes.

#include <QPalette>
#include <QString>

namespace reel::gui {

class Theme {
  public:
    enum class Mode { System, Light, Dark };
    static void apply(Mode mode);
    static Mode current() { return current_; }
    static QPalette lightPalette();
    static QPalette darkPalette();
    static QString name(Mode m);
    static Mode fromName(const QString& s);
    static bool isDark(const QPalette& p) { return p.color(QPalette::Base).lightness() < 128; }

  private:
    static inline Mode current_ = Mode::System;
    static inline QString systemStyle_;
};

}  // namespace reel::gui
