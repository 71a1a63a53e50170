// Placeholder translation unit; the replayer library grows here.
namespace reel::replayer {}
