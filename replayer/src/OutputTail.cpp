#include "OutputTail.h"

#include <algorithm>

namespace reel::replayer {

void OutputTail::add(uint32_t stream, std::string_view text) {
    if (stream < 1 || stream > 2 || max_ == 0 || text.empty()) return;
    const size_t k = stream - 1;
    text_[k].append(text);
    if (last_ == static_cast<int>(k) && !runs_[k].empty())
        runs_[k].back().bytes += text.size();
    else
        runs_[k].push_back({seq_++, text.size()});
    last_ = static_cast<int>(k);
    trim(k);
}

void OutputTail::dropFront(size_t k, uint64_t n) {
    text_[k].erase(0, static_cast<size_t>(n));
    auto& runs = runs_[k];
    while (n > 0 && !runs.empty()) {
        const uint64_t d = std::min(n, runs.front().bytes);
        runs.front().bytes -= d;
        n -= d;
        if (runs.front().bytes == 0) runs.pop_front();
    }
    if (runs.empty() && last_ == static_cast<int>(k)) last_ = -1;
}

void OutputTail::trim(size_t k) {
    // In steps (at twice the limits), so adding stays amortized O(1).
    if (text_[k].size() > 2 * max_) dropFront(k, text_[k].size() - max_);
    while (runs_[0].size() + runs_[1].size() > 2 * kMaxRuns) {
        const size_t oldest =
            runs_[1].empty() || (!runs_[0].empty() && runs_[0].front().seq < runs_[1].front().seq)
                ? 0
                : 1;
        dropFront(oldest, runs_[oldest].front().bytes);
    }
}

void OutputTail::set(const format::Checkpoint& cp) {
    text_ = {};
    runs_ = {};
    seq_ = 0;
    last_ = -1;
    std::vector<format::OutputRun> order = cp.outputOrder;
    if (order.empty()) {  // a checkpoint from before the order was kept: stdout, then stderr
        for (uint32_t s = 1; s <= 2; ++s)
            if (!cp.outputTail[s - 1].empty()) order.push_back({s, cp.outputTail[s - 1].size()});
    }
    std::array<size_t, 2> pos{};
    for (const auto& r : order) {
        const size_t k = r.stream - 1;
        add(r.stream,
            std::string_view(cp.outputTail[k]).substr(pos[k], static_cast<size_t>(r.bytes)));
        pos[k] += static_cast<size_t>(r.bytes);
    }
}

void OutputTail::store(format::Checkpoint& cp) const {
    OutputTail t = *this;
    for (size_t k = 0; k < 2; ++k)
        if (t.text_[k].size() > max_) t.dropFront(k, t.text_[k].size() - max_);
    while (t.runs_[0].size() + t.runs_[1].size() > kMaxRuns) {
        const size_t oldest =
            t.runs_[1].empty() ||
                    (!t.runs_[0].empty() && t.runs_[0].front().seq < t.runs_[1].front().seq)
                ? 0
                : 1;
        t.dropFront(oldest, t.runs_[oldest].front().bytes);
    }
    cp.outputTail = t.text_;
    cp.outputOrder.clear();
    std::array<size_t, 2> i{};
    while (i[0] < t.runs_[0].size() || i[1] < t.runs_[1].size()) {
        const size_t k = i[1] >= t.runs_[1].size() || (i[0] < t.runs_[0].size() &&
                                                       t.runs_[0][i[0]].seq < t.runs_[1][i[1]].seq)
                             ? 0
                             : 1;
        const uint64_t bytes = t.runs_[k][i[k]++].bytes;
        // Runs of one stream meet when the other stream's run between them was dropped.
        if (!cp.outputOrder.empty() && cp.outputOrder.back().stream == k + 1)
            cp.outputOrder.back().bytes += bytes;
        else
            cp.outputOrder.push_back({static_cast<uint32_t>(k + 1), bytes});
    }
}

}  // namespace reel::replayer
