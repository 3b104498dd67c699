// The colours of figures and painted widgets, from a palette: on a light
// palette the classic look (white figures, grey axes); on a dark one (the
// system's, or View > Theme > Dark) the same roles in the palette's own
// colours, so no text is grey on grey. The colormaps stay what they are.
#pragma once

#include <QColor>
#include <QPalette>

namespace attnviz::ui {

struct FigureColors {
    bool dark = false;
    QColor background;     // figure and placeholder background
    QColor text;           // titles, token labels
    QColor subtitle;       // the line under the title
    QColor formula;        // the formula line
    QColor axisLabel;      // axis titles and colour-scale labels
    QColor axisLine;       // axis base and tick pens
    QColor subTick;
    QColor masked;         // masked cells (NaN)
    QColor minusInfinity;  // masked scores in the steps view
    QColor accent;         // the chosen head, highlighted row/column (red on both)
    QColor hover;          // the dashed box under the mouse
    QColor track;          // empty part of a bar (predictions)
    QColor bar;            // filled part of a bar
    QColor muted;          // secondary widget text
    QColor warning;        // a mask that is not the model's own
    QColor error;          // problems next to a field
    QColor chip;           // background of a token chip
    QColor chipHot;        // ... hovered
    QColor chipMarked;     // ... chosen
    QColor link;           // alignment links
    QColor linkHot;        // ... of the hovered token
};

bool isDarkPalette(const QPalette& palette);
FigureColors figureColors(const QPalette& palette);
// From the application's palette (what the views use).
FigureColors figureColors();

}  // namespace attnviz::ui
