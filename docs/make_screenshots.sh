#!/usr/bin/env bash
# Regenerates the README screenshots: the real window under Xvfb at 1280x800
# and 1920x1080, driven with xdotool, captured with ImageMagick's import.
#   docs/make_screenshots.sh [build dir] [model dir]
# Defaults: build/ and the embedded causal model (resources/models/*), else
# ../shared/models/stories260K; the embedded masked model (if trained) for the
# [MASK] predictions shot. Needs xvfb, xdotool, imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MODEL=${2:-}
if [ -z "$MODEL" ]; then
    for d in resources/models/*/; do
        [ -f "$d/config.json" ] || continue
        grep -q '"model_type": *"bert"' "$d/config.json" && continue
        MODEL=${d%/}
        break
    done
fi
[ -n "$MODEL" ] || MODEL=../shared/models/stories260K
MASKED=""
for d in resources/models/*/; do
    [ -f "$d/config.json" ] || continue
    grep -q '"model_type": *"bert"' "$d/config.json" && MASKED=${d%/} && break
done
APP=$BUILD/app/gui/attnviz
TEXT=${ATTNVIZ_SCREENSHOT_TEXT:-"Once upon a time, a little cat named Tom sat on the mat. He saw a big red ball and he was happy."}
OUT=docs

retype_and_shoot() {  # retype_and_shoot <text> <view name>: replace the input text, wait, capture
    xdotool mousemove 150 150 click 1 key ctrl+a
    xdotool type --delay 20 "$1"
    sleep 2
    xdotool mousemove $((w - 20)) $((h - 60))
    sleep 0.5
    import -window root "$OUT/screenshot-$2-$suffix.png"
}

shoot() {  # shoot <display> <width> <height> <suffix>
    local display=$1 w=$2 h=$3 suffix=$4
    Xvfb ":$display" -screen 0 "${w}x${h}x24" -nolisten tcp &
    local xvfb=$!
    sleep 1
    local config
    config=$(mktemp -d)
    DISPLAY=":$display" XDG_CONFIG_HOME=$config "$APP" --model "$MODEL" --text "$TEXT" &
    local app=$!
    export DISPLAY=":$display"
    local win
    win=$(xdotool search --sync --name "^attnviz —" | head -1)
    # No window manager: fill the screen as a maximised window would.
    xdotool windowsize --sync "$win" "$w" "$h"
    sleep 2
    xdotool windowfocus --sync "$win"

    # Head view: layer 1, head 0 (the causal default model's previous-token
    # head), hovering a cell.
    xdotool mousemove 70 35 click --repeat 3 1 type "1"
    xdotool key Tab
    xdotool mousemove 127 35 click --repeat 3 1 type "0"
    xdotool key Tab
    sleep 1
    xdotool mousemove $((300 + (w - 690) * 40 / 100)) $((h * 62 / 100))
    sleep 1.5
    import -window root "$OUT/screenshot-head-$suffix.png"

    # Overview.
    xdotool mousemove $((w - 20)) $((h - 60)) key ctrl+2
    sleep 1.5
    import -window root "$OUT/screenshot-overview-$suffix.png"

    # Compare: three heads from three layers and a layer mean.
    xdotool key ctrl+3
    sleep 0.5
    xdotool mousemove 500 89 click 1 key ctrl+a
    xdotool type "1:0, 2:0, 3:1, 3:mean"
    xdotool key Return
    sleep 1.5
    xdotool mousemove $((w - 20)) $((h - 60))
    sleep 0.5
    import -window root "$OUT/screenshot-compare-$suffix.png"

    # Difference: bidirectional instead of the model's causal mask, layer 1 head 0.
    xdotool mousemove 298 35 click 1
    sleep 0.5
    xdotool key Down Down Return
    sleep 1
    xdotool mousemove $((w - 20)) $((h - 60)) key ctrl+4
    sleep 1.5
    import -window root "$OUT/screenshot-difference-$suffix.png"

    # Back to the model's own mask.
    xdotool mousemove 298 35 click 1
    sleep 0.5
    xdotool key Up Up Return
    sleep 1.5

    # Aggregates: rollout, the Heads table (right dock, 390 px) sorted by the
    # previous-token statistic, a cell's tooltip with the formula.
    xdotool mousemove $((w - 20)) $((h - 60)) key ctrl+5
    sleep 1
    xdotool mousemove $((w - 140)) 112 click 1
    sleep 0.5
    local cx=$((300 + (w - 690) * 45 / 100)) cy=$((h * 55 / 100))
    xdotool mousemove $cx $cy
    sleep 0.3
    xdotool mousemove $((cx + 4)) $((cy + 4))
    sleep 1.5
    import -window root "$OUT/screenshot-aggregates-$suffix.png"

    # Head search: the head view's head (L1 H0), "Find heads like L1 H0".
    xdotool mousemove $((w - 20)) $((h - 60)) key ctrl+1
    sleep 0.5
    xdotool mousemove $((w - 305)) 87 click 1
    sleep 1.5
    xdotool mousemove $((w - 20)) $((h - 60))
    sleep 0.5
    import -window root "$OUT/screenshot-heads-$suffix.png"

    # Predictions of the causal model: the next token after the text.
    retype_and_shoot "Once upon a time, there was a little" predictions-causal

    # The masked model, one click away in the Models menu: fillers of [MASK].
    if [ -n "$MASKED" ]; then
        xdotool mousemove 65 8 click 1
        sleep 0.7
        xdotool key Down Down Return
        sleep 3
        retype_and_shoot "The [MASK] sat on the [MASK] and looked at the dog." predictions-masked
    fi

    kill "$app"
    wait "$app" 2>/dev/null || true
    kill "$xvfb"
    wait "$xvfb" 2>/dev/null || true
    rm -rf "$config"
}

shoot 97 1280 800 1280x800
shoot 97 1920 1080 1920x1080
ls -l "$OUT"/screenshot-*.png
