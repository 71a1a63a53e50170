// `reel replay FILE`: the terminal debugger. Three ways in:
//   - `-c "cmd; cmd"` runs the commands and exits (status 1 at the first command that fails);
//   - stdin not a terminal: the same, one command line per input line, no prompt (scripts, pipes);
//   - stdin a terminal: a pdb-style prompt with libedit line editing, tab completion and history
//     in ~/.reel_history (or $REEL_HISTORY; empty disables it); an empty line repeats the last
//     command.
// The commands themselves live in ReplaySession.

#include <editline/readline.h>
#include <signal.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "Commands.h"
#include "ReplaySession.h"
#include "reel/format/TraceFormatError.h"
#include "reel/replayer/Replayer.h"

namespace reel::cli {

namespace {

int runPiped(ReplaySession& session) {
    std::string line;
    while (std::getline(std::cin, line)) {
        const int status = session.runScript({line});
        if (status != 0 || session.quitRequested()) return status;
    }
    return 0;
}

// libedit calls completion through plain function pointers: the session they complete against
// is the one interactive loop of this process.
ReplaySession* gCompletionSession = nullptr;
std::vector<std::string> gMatches;

char* completionGenerator(const char* text, int state) {
    if (state == 0) {
        gMatches.clear();
        if (gCompletionSession) {
            const std::string before(rl_line_buffer, static_cast<size_t>(std::max(0, rl_point)));
            const std::string word(text);
            const std::string head =
                before.size() >= word.size() ? before.substr(0, before.size() - word.size()) : "";
            try {
                gMatches = gCompletionSession->completions(head, word);
            } catch (const std::exception&) {
                gMatches.clear();  // a completion never breaks the prompt
            }
        }
    }
    if (static_cast<size_t>(state) >= gMatches.size()) return nullptr;
    // libedit frees the strings it is given.
    return strdup(gMatches[static_cast<size_t>(state)].c_str());
}

char** complete(const char* text, int, int) {
    rl_attempted_completion_over = 1;  // no file-name completion as a fallback
    return rl_completion_matches(text, completionGenerator);
}

// Ctrl-C at the prompt discards the line being typed, as in pdb. The handler only records it;
// promptGetc() (libedit's character source) sees the flag and ends the line. A SIGINT can arrive
// at any moment of readline(), not only while it waits in read(), so the wait is a pselect()
// that unblocks SIGINT atomically: no Ctrl-C can slip in between the check and the wait.
volatile sig_atomic_t gInterrupted = 0;
void onSigint(int) {
    gInterrupted = 1;
}

int promptGetc(FILE* in) {
    const int fd = fileno(in);
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    int result = EOF;
    while (!gInterrupted) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        const int r = pselect(fd + 1, &fds, nullptr, nullptr, nullptr, &orig);
        if (r < 0 && errno == EINTR) continue;  // the loop condition looks at the flag
        if (r < 0) break;
        unsigned char c = 0;
        const ssize_t n = read(fd, &c, 1);  // readable: does not block (SIGINT is blocked here)
        if (n == 1) result = c;
        break;
    }
    sigprocmask(SIG_SETMASK, &orig, nullptr);
    return gInterrupted ? EOF : result;
}

// SIGINT handling around the prompt: our handler without SA_RESTART at the prompt.
void promptSignals(bool atPrompt) {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    // While a command runs, Ctrl-C ends the session: the replayer's searches cannot be
    // interrupted (yet), and a stuck prompt is worse than a quit.
    sa.sa_handler = atPrompt ? onSigint : SIG_DFL;
    sigaction(SIGINT, &sa, nullptr);
}

std::string historyPath() {
    if (const char* h = std::getenv("REEL_HISTORY")) return h;  // "" disables history
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.reel_history";
    return {};
}

int runInteractive(ReplaySession& session) {
    const std::string history = historyPath();
    rl_readline_name = "reel";
    gCompletionSession = &session;
    rl_attempted_completion_function = complete;
    rl_catch_signals = 0;  // our handler decides (see promptSignals)
    rl_getc_function = promptGetc;
    stifle_history(1000);
    if (!history.empty()) read_history(history.c_str());

    // The first stop is shown like any other command's output: damage there is reported and
    // the prompt still opens (other events may be fine).
    session.execute("info banner");
    std::string last;
    while (!session.quitRequested()) {
        std::cout.flush();
        gInterrupted = 0;
        promptSignals(true);
        char* raw = readline("(reel) ");
        promptSignals(false);
        if (gInterrupted) {
            std::free(raw);
            std::cout << "\n";
            continue;
        }
        if (!raw) {  // Ctrl-D
            std::cout << "\n";
            break;
        }
        std::string line(raw);
        std::free(raw);
        bool blank = line.find_first_not_of(" \t") == std::string::npos;
        if (blank) {
            if (last.empty()) continue;
            line = last;  // pdb: an empty line repeats the last command
        } else {
            add_history(line.c_str());
            // Saved at once: a Ctrl-C during a long command ends the process.
            if (!history.empty()) write_history(history.c_str());
            last = line;
        }
        for (const auto& cmd : ReplaySession::splitCommands(line)) {
            session.execute(cmd);  // errors are printed; the prompt goes on
            if (session.quitRequested()) break;
        }
    }
    if (!history.empty()) write_history(history.c_str());
    gCompletionSession = nullptr;
    return 0;
}

}  // namespace

void addReplayCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("replay",
                                   "Debug a trace with a pdb-style prompt that also runs backward");
    struct Args {
        std::string file;
        std::vector<std::string> commands;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("FILE", args->file, "trace file (.reel or .reel.partial)")->required();
    cmd->add_option(
        "-c,--command", args->commands,
        "run these commands (separated by ';') and exit; may be repeated. Exit status 1 at the "
        "first command that fails");
    cmd->footer(
        "Type 'help' at the prompt for the commands. docs/guide.md, \"Terminal debugger\", has "
        "them all.");
    cmd->callback([args] {
        const bool scripted = !args->commands.empty();
        const bool interactive = !scripted && isatty(STDIN_FILENO);
        // Indexing a big trace takes a while: show progress when someone is watching.
        replayer::Replayer::Progress progress;
        if (interactive && isatty(STDERR_FILENO)) {
            progress = [](uint64_t done, uint64_t total) {
                if (total > 2000000)
                    std::fprintf(stderr, "\rindexing %3d%%",
                                 static_cast<int>(done * 100 / (total ? total : 1)));
                return true;
            };
        }
        std::unique_ptr<ReplaySession> session;
        try {
            session = std::make_unique<ReplaySession>(args->file, std::cout, std::cerr, progress);
        } catch (const format::TraceFormatError& e) {
            throw CommandError{args->file + ": damaged trace: " + e.what()};
        } catch (const std::system_error& e) {
            throw CommandError{args->file + ": " + e.what()};
        } catch (const std::exception& e) {
            throw CommandError{args->file + ": " + e.what()};
        }
        if (progress) std::fprintf(stderr, "\r              \r");
        if (scripted)
            exitStatus = session->runScript(args->commands);
        else if (!interactive)
            exitStatus = runPiped(*session);
        else
            exitStatus = runInteractive(*session);
        std::cout.flush();
    });
}

}  // namespace reel::cli
