"""stoxnet: training, export and reference inference for stoxvp's StoX-Net datapath.

Run with Debian's interpreter, /usr/bin/python3 (python3-torch, python3-numpy).
"""
