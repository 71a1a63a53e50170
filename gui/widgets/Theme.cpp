#include "widgets/Theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace reel::gui {

QPalette Theme::lightPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xF3, 0xF3, 0xF3));
    p.setColor(QPalette::WindowText, QColor(0x1E, 0x1E, 0x1E));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xF6, 0xF7, 0xF9));
    p.setColor(QPalette::Text, QColor(0x1E, 0x1E, 0x1E));
    p.setColor(QPalette::PlaceholderText, QColor(0x8A, 0x8A, 0x8A));
    p.setColor(QPalette::Button, QColor(0xEC, 0xEC, 0xEC));
    p.setColor(QPalette::ButtonText, QColor(0x1E, 0x1E, 0x1E));
    p.setColor(QPalette::Highlight, QColor(0x2F, 0x6F, 0xD8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0xFF, 0xFF, 0xE8));
    p.setColor(QPalette::ToolTipText, Qt::black);
    p.setColor(QPalette::Mid, QColor(0xC8, 0xC8, 0xC8));
    p.setColor(QPalette::Link, QColor(0x2F, 0x6F, 0xD8));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0xA0, 0xA0, 0xA0));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0xA0, 0xA0, 0xA0));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0xA0, 0xA0, 0xA0));
    return p;
}

QPalette Theme::darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2B, 0x2D, 0x30));
    p.setColor(QPalette::WindowText, QColor(0xDF, 0xE1, 0xE5));
    p.setColor(QPalette::Base, QColor(0x1E, 0x1F, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2B));
    p.setColor(QPalette::Text, QColor(0xDF, 0xE1, 0xE5));
    p.setColor(QPalette::PlaceholderText, QColor(0x7A, 0x7E, 0x85));
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3B));
    p.setColor(QPalette::ButtonText, QColor(0xDF, 0xE1, 0xE5));
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xF0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x3C, 0x3F, 0x41));
    p.setColor(QPalette::ToolTipText, QColor(0xDF, 0xE1, 0xE5));
    p.setColor(QPalette::Mid, QColor(0x4A, 0x4D, 0x52));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4D));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1B));
    p.setColor(QPalette::Link, QColor(0x58, 0x9D, 0xF6));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6F, 0x73, 0x7A));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6F, 0x73, 0x7A));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6F, 0x73, 0x7A));
    return p;
}

void Theme::apply(Mode mode) {
    if (systemStyle_.isEmpty() && qApp->style()) systemStyle_ = qApp->style()->name();
    current_ = mode;
    if (mode == Mode::System) {
        if (!systemStyle_.isEmpty()) QApplication::setStyle(QStyleFactory::create(systemStyle_));
        // A palette with no role set resolves every role against the platform theme's palette,
        // and Qt resolves it again when the platform theme changes (light <-> dark), so the
        // window follows the system instead of freezing the palette it had at startup.
        QApplication::setPalette(QPalette());
        return;
    }
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(mode == Mode::Dark ? darkPalette() : lightPalette());
}

QString Theme::name(Mode m) {
    switch (m) {
        case Mode::Light:
            return "light";
        case Mode::Dark:
            return "dark";
        case Mode::System:
            break;
    }
    return "system";
}

Theme::Mode Theme::fromName(const QString& s) {
    if (s == "light") return Mode::Light;
    if (s == "dark") return Mode::Dark;
    return Mode::System;
}

}  // namespace reel::gui
