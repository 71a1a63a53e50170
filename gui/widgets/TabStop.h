#pragma once
// Tab stops as Python's tokenizer and a terminal set them: every 8 columns. Qt's default is a
// fixed 80 pixels, about 11 columns of the usual fixed-width font, which shifted text after a
// tab (in source indented with tabs, in printed tables) away from where Python counts it.

#include <QFont>
#include <QFontMetricsF>

namespace reel::gui {

inline qreal pythonTabStop(const QFont& font) {
    return 8 * QFontMetricsF(font).horizontalAdvance(QLatin1Char(' '));
}

}  // namespace reel::gui
