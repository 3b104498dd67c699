// This process's memory from /proc/self/status, in MB: what `bench` reports.
#pragma once

namespace attnviz::cli {

struct ProcessMemory {
    double peakResidentMb = 0;  // VmHWM: the most ever resident, mapped files included
    double anonymousMb = 0;     // RssAnon: heap and anonymous mappings now (beyond mapped files)
    double fileMb = 0;          // RssFile: pages of mapped files now resident
};

ProcessMemory readProcessMemory();

}  // namespace attnviz::cli
