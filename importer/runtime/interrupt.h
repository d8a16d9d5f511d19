// SIGINT and SIGTERM as a request to stop: while an Interrupt lives, the
// signals do not end the process; they are recorded, and whatever waits
// (a RUN, a layer being applied) sees them, stops its container, cleans up
// and returns Cancelled. The process then exits as the signal would have.
#ifndef HPC_IMPORTER_RUNTIME_INTERRUPT_H_
#define HPC_IMPORTER_RUNTIME_INTERRUPT_H_

namespace hpc::runtime {

class Interrupt {
 public:
  // Installs the handlers; at most one Interrupt at a time.
  Interrupt();
  ~Interrupt();  // restores the handlers it replaced
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // The signal received, or 0.
  int signal() const;
  bool requested() const { return signal() != 0; }
  // Readable once a signal has come, for poll().
  int fd() const;
};

}  // namespace hpc::runtime

#endif  // HPC_IMPORTER_RUNTIME_INTERRUPT_H_
