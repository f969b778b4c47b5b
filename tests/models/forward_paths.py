"""What the tests that compare two implementations of the PS-aware forward pass share (the
per-piece against the batched one in batched_forward.py, the unfused against the fused kernel in
fused_codes.py): a deterministic MTJ sampler, one forward and backward under a datapath switch,
and the relative error of a gradient."""
import torch


def deterministic(p, t):
    """k = round(p T): the sampler's mean, no randomness, so two paths give comparable codes."""
    return torch.floor(p * t + 0.5)


def run(module, x, switch, on, train, keep_state=False):
    """The output and every gradient of module(x) with the datapath flag `switch` (a dict such as
    datapath.FUSED) set to `on`; the flag is restored afterwards. keep_state: also the buffers
    after the pass (running statistics), and the module's state restored, so both paths start
    from the same statistics."""
    state = {k: v.clone() for k, v in module.state_dict().items()} if keep_state else None
    was = switch["on"]
    switch["on"] = on
    try:
        module.train(train)
        module.zero_grad()
        xin = x.clone().requires_grad_(True)
        y = module(xin)
        (y.square().sum() + y.sum()).backward()
        grads = {n: p.grad.clone() for n, p in module.named_parameters() if p.grad is not None}
        grads["<input>"] = xin.grad.clone()
        if keep_state:
            return y.detach(), grads, {n: b.clone() for n, b in module.named_buffers()}
        return y.detach(), grads
    finally:
        switch["on"] = was
        if state is not None:
            module.load_state_dict(state)


def rel_err(a, b):
    return float((a - b).abs().max() / a.abs().max().clamp_min(1e-12))
