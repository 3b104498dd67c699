#include "process_memory.h"

#include <fstream>
#include <string>

namespace attnviz::cli {

ProcessMemory readProcessMemory() {
    ProcessMemory m;
    std::ifstream in("/proc/self/status");
    std::string key;
    double kb = 0;
    std::string unit;
    while (in >> key) {
        if (key == "VmHWM:" || key == "RssAnon:" || key == "RssFile:") {
            in >> kb >> unit;
            const double mb = kb / 1024.0;
            if (key == "VmHWM:") m.peakResidentMb = mb;
            else if (key == "RssAnon:") m.anonymousMb = mb;
            else m.fileMb = mb;
        }
        in.ignore(1 << 20, '\n');
    }
    return m;
}

}  // namespace attnviz::cli
